"""FastAPI's refusal of pydantic v1 models, without importing `pydantic.v1` to decide.

FastAPI (0.128 to 0.165) refuses pydantic v1 models: to tell that a type or a value is not
one, it imports the whole `pydantic.v1` package (a cost a cold start feels,
docs/benchmarks.md), on the first route with a response model and in `jsonable_encoder`.
A v1 model cannot exist unless `pydantic.v1` was imported, so while it is not in
`sys.modules` the answer is "no" without looking; once it is, FastAPI's own check runs,
unchanged. The same guard was proposed upstream
(fastapi/fastapi#16374). The Lambda handler applies it before building the app.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any

# Where FastAPI defines those checks, and the modules that bind them (FastAPI's internals).
from smarttask.speed._fastapi_private import (
    PYDANTIC_V1_CHECKS,
    PYDANTIC_V1_HOLDERS,
    PYDANTIC_V1_MODULE,
)

_GUARDED = "__smarttask_guarded__"


def _guard(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    @functools.wraps(check)
    def guarded(value: Any) -> bool:
        return "pydantic.v1" in sys.modules and check(value)

    setattr(guarded, _GUARDED, True)
    return guarded


def guard_pydantic_v1_checks() -> int:
    """Guard FastAPI's v1 checks (idempotent); how many names now point at a guarded check."""
    try:
        shared = importlib.import_module(PYDANTIC_V1_MODULE)
    except ImportError:  # a FastAPI without these checks: nothing to do
        return 0
    replaced = 0
    for name in PYDANTIC_V1_CHECKS:
        check = getattr(shared, name, None)
        if not callable(check):
            continue
        guarded = check if getattr(check, _GUARDED, False) else _guard(check)
        for holder in PYDANTIC_V1_HOLDERS:
            module = importlib.import_module(holder)
            if getattr(module, name, None) in (check, guarded):
                setattr(module, name, guarded)
                replaced += 1
    return replaced
