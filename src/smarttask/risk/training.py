"""Per-workspace training: an L2-regularised logistic regression fitted by Newton's method (IRLS).

numpy is imported here only, inside functions: training runs in jobs and commands, never on
the request path. The result is a plain `RiskParams` scored in pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from smarttask.risk.backtest import Metrics, evaluate, time_split
from smarttask.risk.features import FEATURES
from smarttask.risk.history import History, Sample, outcome, samples
from smarttask.risk.model import DEFAULT, RiskParams

L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
KIND = "logistic-l2"


def fit_logistic(found: Sequence[Sample], l2: float, *, iterations: int = 50) -> RiskParams:
    """Fit standardised logistic coefficients; the intercept is not penalised."""
    import numpy as np

    x = np.array([s.x for s in found], dtype=float)
    y = np.array([s.late for s in found], dtype=float)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    design = np.hstack([np.ones((len(x), 1)), (x - means) / scales])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 1e-6
    weights = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ weights, -30, 30)))
        gradient = design.T @ (p - y) + penalty * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if float(np.max(np.abs(step))) < 1e-7:
            break
    return RiskParams(
        intercept=float(weights[0]),
        coefficients=tuple(float(w) for w in weights[1:]),
        means=tuple(float(m) for m in means),
        scales=tuple(float(s) for s in scales),
    )


def choose_l2(train: Sequence[Sample]) -> float:
    """The penalty with the best AUC on the latest quarter of the training part."""
    inner, validation, _ = time_split(train)
    if not inner or len({s.late for s in inner}) < 2 or len({s.late for s in validation}) < 2:
        return 10.0
    scored = [(evaluate(fit_logistic(inner, l2), validation).auc, -l2) for l2 in L2_GRID]
    return -max(scored)[1]


@dataclass(frozen=True, slots=True)
class TrainingResult:
    """A training run: the model to store, whether it beat the default, and why."""

    params: RiskParams | None
    active: bool
    note: str
    trained: Metrics | None
    default: Metrics | None
    n_samples: int
    n_tasks: int
    details: dict[str, Any] = field(default_factory=dict)

    def metrics_json(self) -> dict[str, Any]:
        """The held-out metrics of both models and the split, for the risk_model row."""
        return {
            "trained": self.trained.to_json() if self.trained else None,
            "default": self.default.to_json() if self.default else None,
            **self.details,
        }


def finished_tasks(history: History, now: datetime) -> int:
    """How many tasks of the history have a known outcome."""
    return sum(1 for t in history.tasks if outcome(t, now) is not None)


def train(history: History, now: datetime, *, min_tasks: int) -> TrainingResult:
    """Backtest a fitted model against the default on a time split; keep it only if it wins.

    The stored model is refitted on every sample once it has won on the held-out part.
    """
    n_tasks = finished_tasks(history, now)
    found = samples(history, now)
    if n_tasks < min_tasks:
        note = f"{n_tasks} finished tasks with a due date; training needs {min_tasks}"
        return TrainingResult(None, False, note, None, None, len(found), n_tasks)
    train_part, test_part, cut = time_split(found)
    if len({s.late for s in train_part}) < 2 or len({s.late for s in test_part}) < 2:
        note = "the history has only on-time or only late tasks on one side of the split"
        return TrainingResult(None, False, note, None, None, len(found), n_tasks)
    l2 = choose_l2(train_part)
    trained = evaluate(fit_logistic(train_part, l2), test_part)
    default = evaluate(DEFAULT, test_part)
    details = {
        "l2": l2,
        "n_train": len(train_part),
        "n_test": len(test_part),
        "test_from_due_at": cut.isoformat() if cut else None,
    }
    wins = trained.auc > default.auc
    note = (
        f"trained AUC {trained.auc:.3f} beats the default's {default.auc:.3f}"
        if wins
        else f"trained AUC {trained.auc:.3f} does not beat the default's {default.auc:.3f}; "
        "the default stays in use"
    )
    params = fit_logistic(found, l2)
    return TrainingResult(params, wins, note, trained, default, len(found), n_tasks, details)


def describe(params: RiskParams) -> list[tuple[str, float]]:
    """(feature, standardised coefficient), largest effect first."""
    pairs = list(zip(FEATURES, params.coefficients, strict=True))
    return sorted(pairs, key=lambda item: -abs(item[1]))
