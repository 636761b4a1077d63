"""Imports every table so that Base.metadata is complete (migrations, tests)."""

from smarttask.accounts import models as accounts_models
from smarttask.activity import models as activity_models
from smarttask.analysis import models as analysis_models
from smarttask.attachments import models as attachments_models
from smarttask.comments import models as comments_models
from smarttask.counters import models as counters_models
from smarttask.db.base import Base
from smarttask.jobs import models as jobs_models
from smarttask.kit.idempotency import models as idempotency_models
from smarttask.projects import models as projects_models
from smarttask.risk import models as risk_models
from smarttask.tasks import models as tasks_models
from smarttask.workspaces import models as workspaces_models

__all__ = [
    "Base",
    "accounts_models",
    "activity_models",
    "analysis_models",
    "attachments_models",
    "comments_models",
    "counters_models",
    "idempotency_models",
    "jobs_models",
    "projects_models",
    "risk_models",
    "tasks_models",
    "workspaces_models",
]
