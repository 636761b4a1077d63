"""The `smarttask ai ...` commands: risk model (backtest, rescore) and provider check."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `ai` command group to the top-level parser."""
    from smarttask.adapters.llm.cli import add_provider_commands
    from smarttask.analysis.risk.cli import add_risk_commands

    ai = commands.add_parser("ai", help="the risk model and the analysis provider").add_subparsers(
        dest="ai_command", required=True
    )
    add_risk_commands(ai)
    add_provider_commands(ai)
