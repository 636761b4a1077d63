"""Fixtures of the browser tests: one live server per backend, Chromium, a page per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.support import BACKENDS
from tests.support.browser import ARTIFACTS, LiveServer, chromium_path, live_server
from tests.support.github_server import GitHubServer
from tests.support.oidc_provider import OidcProvider
from tests.support.sso import browser_sso_env, let_back_to

PageFactory = Callable[..., Awaitable[Any]]


@pytest.fixture(scope="session")
def sso_servers() -> Iterator[tuple[OidcProvider, GitHubServer]]:
    """A local OpenID provider and a local GitHub, the live servers' sign-in providers."""
    oidc, github = OidcProvider().start(), GitHubServer().start()
    yield oidc, github
    oidc.stop()
    github.stop()


@pytest.fixture(scope="session", params=BACKENDS)
async def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sso_servers: tuple[OidcProvider, GitHubServer],
) -> AsyncIterator[LiveServer]:
    """A `smarttask serve` of the backend, shared by the browser tests of that backend (with
    single sign-on through the local providers: the sign-in page offers them)."""
    backend = str(request.param)
    folder = tmp_path_factory.mktemp(f"live-{backend}")
    async with live_server(backend, folder, **browser_sso_env(*sso_servers)) as running:
        let_back_to(sso_servers[0], running.base_url)
        yield running


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.async_api import async_playwright

    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        await launched.close()


@pytest.fixture
async def new_page(
    browser: Any, server: LiveServer, request: pytest.FixtureRequest
) -> AsyncIterator[PageFactory]:
    """A factory of pages, each in its own browser context (its own cookies)."""
    contexts: list[Any] = []

    async def make(**options: Any) -> Any:
        context = await browser.new_context(base_url=server.base_url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        return page

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                name = f"{request.node.name}-{index}-{number}.png".replace("/", "_")
                await page.screenshot(path=str(ARTIFACTS / name))
    for context in contexts:
        await context.close()


@pytest.fixture
async def page(new_page: PageFactory) -> Any:
    """One page in a fresh browser context."""
    return await new_page()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Keep each phase's report on the item (screenshots of failed browser tests)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
