"""What the reliability suites share: the profile they run and where their figures go."""

from __future__ import annotations

import os
from pathlib import Path

PROFILE_NAMES = ("ci", "full")


def profile_name() -> str:
    """The profile named by SMARTTASK_RELIABILITY_PROFILE: `ci` (the default) or `full`."""
    name = os.environ.get("SMARTTASK_RELIABILITY_PROFILE", "ci").strip().lower() or "ci"
    if name not in PROFILE_NAMES:
        raise RuntimeError(
            f"SMARTTASK_RELIABILITY_PROFILE={name!r}: expected one of {', '.join(PROFILE_NAMES)}"
        )
    return name


def save_figures(filename: str, text: str) -> Path | None:
    """Write a figures file under SMARTTASK_RELIABILITY_REPORT_DIR, if set; its path."""
    directory = os.environ.get("SMARTTASK_RELIABILITY_REPORT_DIR")
    if not directory:
        return None
    path = Path(directory) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
