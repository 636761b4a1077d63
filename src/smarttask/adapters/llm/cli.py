"""`smarttask ai check`: one tiny call to the configured provider."""

from __future__ import annotations

import argparse
from typing import Any


def add_provider_commands(ai: argparse._SubParsersAction[Any]) -> None:
    """Add the provider commands to the `ai` group."""
