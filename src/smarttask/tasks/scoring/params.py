"""The model that scores a workspace: its newest active trained one, or the default."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.risk.model import DEFAULT, RiskParams
from smarttask.risk.models import RiskModel
from smarttask.tasks.scoring import repository


def params_of(model: RiskModel | None) -> RiskParams:
    """The parameters of a stored model, or the default when there is none."""
    if model is None:
        return DEFAULT
    return RiskParams.from_json(model.coefficients, model.means, model.scales, model.version)


async def workspace_params(session: AsyncSession, workspace_id: str) -> RiskParams:
    """The model that scores a workspace's tasks: its newest active trained one, or the default."""
    models = await repository.active_models(session, [workspace_id])
    return params_of(models[0] if models else None)


# Writes read a workspace's model through this cache: one query fewer per write. A model
# retrained by another process is picked up within MODEL_CACHE_SECONDS (retraining is daily).
MODEL_CACHE_SECONDS = 60.0
_MODEL_CACHE_SIZE = 10_000
_models: dict[str, tuple[float, RiskParams]] = {}


async def cached_params(session: AsyncSession, workspace_id: str) -> RiskParams:
    """`workspace_params`, remembered for MODEL_CACHE_SECONDS in this process."""
    now = time.monotonic()
    found = _models.get(workspace_id)
    if found is not None and found[0] > now:
        return found[1]
    params = await workspace_params(session, workspace_id)
    if len(_models) >= _MODEL_CACHE_SIZE:
        _models.clear()
    _models[workspace_id] = (now + MODEL_CACHE_SECONDS, params)
    return params


def forget_models() -> None:
    """Drop the cached models (after a retrain in this process)."""
    _models.clear()
