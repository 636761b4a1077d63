"""`smarttask ai check`: one tiny call to the configured provider."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smarttask.runtime import Runtime

_KINDS = {
    "ProviderMisconfigured": "misconfigured",
    "ModelNotFound": "unknown model",
    "ProviderUnavailable": "unavailable",
    "AnswerTruncated": "answer cut off",
}


def _check(args: argparse.Namespace, runtime: Runtime) -> int:
    import asyncio
    import time

    from smarttask.adapters.llm.base import ProviderError
    from smarttask.adapters.llm.factory import build_provider
    from smarttask.adapters.llm.redaction import redact

    settings = runtime.settings.ai
    print(
        f"provider: {settings.provider}\nmodel: {settings.model}\n"
        f"base url: {settings.base_url or '(the vendor default)'}\n"
        f"api key: {'set' if settings.api_key else 'not set'}"
    )
    started = time.perf_counter()
    try:
        description = asyncio.run(build_provider(settings).check())
    except ProviderError as error:
        kind = _KINDS.get(type(error).__name__, "failed")
        print(f"smarttask ai check: FAILED ({kind}): {error.message}", file=sys.stderr)
        return 1
    except Exception as error:  # anything else: say what, never a traceback or a key
        message = redact(str(error))
        if settings.api_key:
            message = message.replace(settings.api_key, "[secret]")
        print(f"smarttask ai check: FAILED ({type(error).__name__}): {message}", file=sys.stderr)
        return 1
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"ok: {description} in {elapsed_ms:.0f} ms")
    return 0


def add_provider_commands(ai: argparse._SubParsersAction[Any]) -> None:
    """Add the provider commands to the `ai` group."""
    check = ai.add_parser(
        "check",
        help="one tiny call to the configured analysis provider: what answered, or what is wrong",
    )
    check.set_defaults(run=_check)
