"""The framework-level speed mechanisms, each answering exactly as the plain path would.

- `hotroute`: HotRoute, a route that solves its dependencies with a short loop instead of
  FastAPI's generic solver (the hottest reads: counters, `users/me`, task reads).
- `routing`: the route index, which tries only the routes whose literal path prefix fits.
- `lazy_routes`: each domain's routes imported on the first request under their path
  (the Lambda cold start).
- `pydantic_v1`: FastAPI's refusal of pydantic v1 models without importing `pydantic.v1`.
- `_fastapi_private`: the one module that touches FastAPI's and Starlette's private APIs.

The database's readers (db/readers.py) and the caller cache (accounts/callers.py) are speed
mechanisms too, kept beside what they speed up. docs/internals.md names every mechanism,
its switch, its measured gain and the test that holds it equal to the plain path. This
package imports nothing at start: each module is imported by what uses it.
"""
