"""`smarttask ai backtest` and `smarttask ai rescore`."""

from __future__ import annotations

import argparse
from typing import Any


def add_risk_commands(ai: argparse._SubParsersAction[Any]) -> None:
    """Add the risk-model commands to the `ai` group."""
