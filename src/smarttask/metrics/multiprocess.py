"""The folder several server workers share their counters through (multi-process mode)."""

from __future__ import annotations

import glob
import os

FOLDER_NAME = "prometheus"


def prepare_folder(configured: str | None, data_dir: str) -> str:
    """Make the folder (default <data_dir>/prometheus) and empty it of the last run's files.

    Only prometheus_client's own files (`*.db`) are removed: counters start at zero with
    the server, as Prometheus expects of a restarted target.
    """
    folder = os.path.abspath(configured or os.path.join(data_dir, FOLDER_NAME))
    os.makedirs(folder, exist_ok=True)
    for path in glob.glob(os.path.join(folder, "*.db")):
        os.remove(path)
    return folder
