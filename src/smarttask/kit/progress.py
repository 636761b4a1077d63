"""A dependency-free progress bar, for the commands that load or rescore many tasks."""

from __future__ import annotations

import sys
from collections.abc import Callable


def progress_bar(total: int, label: str = "tasks") -> Callable[[int], None]:
    """A dependency-free progress bar on standard error."""

    def show(done: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
