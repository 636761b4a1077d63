"""Hot routes answer exactly as FastAPI's own routes do, and fall back when they must."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response

from smarttask.kit.responses import json_response
from smarttask.speed._fastapi_private import flat_routes, original_route
from smarttask.speed.hotroute import HotRoute, hot_route

Name = Annotated[str, Path(pattern=r"^[a-z]{1,5}$")]


CALLS: list[str] = []


async def shared(request: Request) -> str:
    """A dependency used twice per request: called once (the per-request cache)."""
    CALLS.append("shared")
    return request.method


async def limit(response: Response, method: Annotated[str, Depends(shared)]) -> None:
    """Sets a header on the injected response, like the rate limiter."""
    CALLS.append("limit")
    response.headers["RateLimit"] = f"{method} r=1"


async def who(method: Annotated[str, Depends(shared)]) -> str:
    """A nested dependency."""
    CALLS.append("who")
    return f"who-{method}"


async def thing(name: Name, response: Response, caller: Annotated[str, Depends(who)]) -> Any:
    """A route with a path parameter, a decorator dependency and a parameter dependency."""
    return json_response({"name": name, "caller": caller}, dependency_response=response)


async def tags(
    tag: Annotated[list[Literal["a", "b"]] | None, Query(max_length=2)] = None,
    size: Annotated[int, Query(ge=1)] = 5,
) -> dict[str, Any]:
    """A dependency with query parameters: a repeatable one and a bounded one."""
    return {"tag": tag, "size": size}


async def query(
    name: Name, found: Annotated[dict[str, Any], Depends(tags)], q: int = 0, need: str = Query()
) -> Any:
    """A route with query parameters of its own and of a dependency, one of them required."""
    return json_response({"name": name, "q": q, "need": need, **found})


async def header(name: Name, x_thing: Annotated[str | None, Header()] = None) -> Any:
    """A route with a header parameter (not handled by the lean solver)."""
    return json_response({"name": name, "x": x_thing})


def _app(hot: bool) -> tuple[FastAPI, list[str]]:
    CALLS.clear()
    router = APIRouter(prefix="/things")
    register = (
        (lambda path, **kw: hot_route(router, path, **kw))
        if hot
        else (lambda path, methods, **kw: router.api_route(path, methods=methods, **kw))
    )
    register("/{name}", methods=["GET"], dependencies=[Depends(limit)])(thing)
    register("/{name}/query", methods=["GET"])(query)
    register("/{name}/header", methods=["GET"])(header)
    app = FastAPI()
    app.include_router(router, prefix="/api")
    return app, CALLS


async def _get(app: FastAPI, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, headers=headers)


async def test_hot_routes_answer_like_fastapi() -> None:
    """Same bodies, headers, validation errors, dependency order and per-request cache."""
    for path in (
        "/api/things/abc",
        "/api/things/TOOLONG1",
        "/api/things/abc/query?q=2&need=x",
        "/api/things/abc/query?need=&tag=a&tag=b&size=3",
        "/api/things/abc/query?q=x&tag=c&size=0",
        "/api/things/abc/query?tag=a&tag=a&tag=b",
        "/api/things/TOOLONG1/query?q=1.5",
    ):
        plain, _ = _app(hot=False)
        expected = await _get(plain, path)
        plain_calls = list(CALLS)
        hot, _ = _app(hot=True)
        answer = await _get(hot, path)
        assert (answer.status_code, answer.json()) == (expected.status_code, expected.json())
        assert answer.headers.get("ratelimit") == expected.headers.get("ratelimit")
        assert plain_calls == CALLS
        if path == "/api/things/TOOLONG1":  # the dependencies ran, then the path was refused
            assert answer.status_code == 422
            assert CALLS == ["shared", "limit", "who"]
    valid, _ = _app(hot=True)
    response = await _get(valid, "/api/things/abc")
    assert response.json() == {"name": "abc", "caller": "who-GET"}
    assert response.headers["ratelimit"] == "GET r=1"


async def test_openapi_is_the_same() -> None:
    """A hot route documents itself exactly like a plain one."""
    assert _app(hot=True)[0].openapi() == _app(hot=False)[0].openapi()


async def test_unsupported_routes_and_overrides_use_fastapi() -> None:
    """Header parameters keep FastAPI's handler; dependency overrides are honoured."""
    app, _ = _app(hot=True)
    answer = await _get(app, "/api/things/abc/header", headers={"X-Thing": "yes"})
    assert answer.json() == {"name": "abc", "x": "yes"}
    route = next(r for r in flat_routes(app.routes) if r.path == "/api/things/{name}")
    assert isinstance(original_route(route), HotRoute)

    async def impostor() -> str:
        return "OVERRIDDEN"

    app.dependency_overrides[shared] = impostor
    response = await _get(app, "/api/things/abc")
    assert response.json()["caller"] == "who-OVERRIDDEN"
