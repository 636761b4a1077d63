"""Logistic risk models: the hand-set default and per-workspace trained ones, scored in pure Python.

A model is an intercept plus one coefficient per feature applied to the standardised value
`(x - mean) / scale`. A factor's weight is its contribution to the log-odds,
`coefficient * (x - mean) / scale`: positive weights raise the risk, negative ones lower it,
relative to a typical task (the means).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smarttask.risk.features import FEATURES, TaskFacts, vector

LOW_BELOW = 0.35
HIGH_FROM = 0.65
MAX_FACTORS = 5
MIN_FACTOR_WEIGHT = 0.05
APPLICABLE_STATUSES = ("todo", "in_progress")


@dataclass(frozen=True, slots=True)
class RiskParams:
    """A logistic model over FEATURES."""

    intercept: float
    coefficients: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    version: int = 0  # 0: the default model

    def to_json(self) -> dict[str, dict[str, float]]:
        """coefficients (with "intercept"), means and scales, keyed by feature name."""
        return {
            "coefficients": {
                "intercept": self.intercept,
                **dict(zip(FEATURES, self.coefficients, strict=True)),
            },
            "means": dict(zip(FEATURES, self.means, strict=True)),
            "scales": dict(zip(FEATURES, self.scales, strict=True)),
        }

    @classmethod
    def from_json(
        cls,
        coefficients: dict[str, Any],
        means: dict[str, Any],
        scales: dict[str, Any],
        version: int,
    ) -> RiskParams:
        """The model stored by `to_json`; features it does not know weigh nothing."""
        return cls(
            intercept=float(coefficients.get("intercept", 0.0)),
            coefficients=tuple(float(coefficients.get(f, 0.0)) for f in FEATURES),
            means=tuple(float(means.get(f, 0.0)) for f in FEATURES),
            scales=tuple(float(scales.get(f, 1.0)) or 1.0 for f in FEATURES),
            version=version,
        )


@dataclass(frozen=True, slots=True)
class RiskScore:
    """A probability of missing the due date, its level and what drove it."""

    score: float
    level: str
    factors: list[dict[str, Any]]


# name: (coefficient, reference mean, scale) in the feature's transformed units (features.py).
_DEFAULT: dict[str, tuple[float, float, float]] = {
    "days_until_due": (-0.7, math.log1p(7.0), 1.0),
    "overdue": (2.5, 0.0, 1.0),
    "work_vs_time_left": (1.2, 0.0, 1.0),
    "open_dependencies": (0.8, 0.0, 1.0),
    "blocked_by_overdue": (1.0, 0.0, 1.0),
    "assignee_load": (0.25, 0.0, 1.0),
    "assignee_late_rate": (0.3, 0.3, 0.1),
    "unassigned": (0.8, 0.0, 1.0),
    "reschedules": (0.7, 0.0, 1.0),
    "age": (0.15, math.log1p(14.0), 1.0),
    "priority": (-0.1, 1.0, 1.0),
    "in_progress": (-0.3, 0.0, 1.0),
    "description_length": (0.0, math.log1p(200.0), 1.0),
    "has_checklist": (-0.1, 0.0, 1.0),
}
DEFAULT = RiskParams(
    intercept=-1.55,
    coefficients=tuple(_DEFAULT[f][0] for f in FEATURES),
    means=tuple(_DEFAULT[f][1] for f in FEATURES),
    scales=tuple(_DEFAULT[f][2] for f in FEATURES),
)


def level_of(score: float) -> str:
    """low below 0.35, high from 0.65, medium between."""
    if score < LOW_BELOW:
        return "low"
    return "high" if score >= HIGH_FROM else "medium"


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def probability(params: RiskParams, x: list[float]) -> float:
    """The model's probability for one feature vector."""
    z = params.intercept
    for value, coefficient, mean, scale in zip(
        x, params.coefficients, params.means, params.scales, strict=True
    ):
        z += coefficient * (value - mean) / scale
    return _sigmoid(z)


def explain(params: RiskParams, x: list[float]) -> RiskScore:
    """Score a feature vector and name the factors that moved it most."""
    z = params.intercept
    contributions: list[tuple[float, str]] = []
    for name, value, coefficient, mean, scale in zip(
        FEATURES, x, params.coefficients, params.means, params.scales, strict=True
    ):
        weight = coefficient * (value - mean) / scale
        z += weight
        if abs(weight) >= MIN_FACTOR_WEIGHT:
            contributions.append((weight, name))
    contributions.sort(key=lambda item: -abs(item[0]))
    score = round(_sigmoid(z), 4)
    return RiskScore(
        score=score,
        level=level_of(score),
        factors=[{"name": n, "weight": round(w, 3)} for w, n in contributions[:MAX_FACTORS]],
    )


def score_facts(params: RiskParams, facts: TaskFacts, now: datetime) -> RiskScore:
    """The risk of a task described by its facts, at `now`."""
    return explain(params, vector(facts, now))


def applies(status: str, due_at: datetime | None) -> bool:
    """Risk applies to open tasks with a due date only."""
    return due_at is not None and status in APPLICABLE_STATUSES
