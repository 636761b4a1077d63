"""The metadata registry: imports every domain's tables so that Base.metadata is complete.

The migrations' environment and the tests use it. It is the one module of `db` that reads
the wiring point (an exception the import-linter contracts in pyproject.toml name).
"""

from __future__ import annotations

import importlib

from smarttask.db.base import Base
from smarttask.wiring import model_modules

for _module in model_modules():
    importlib.import_module(_module)

__all__ = ["Base"]
