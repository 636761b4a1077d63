"""Backtests: a time split of a history, AUC and Brier score of the default and a trained model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from smarttask.risk.history import Sample
from smarttask.risk.model import RiskParams, probability

TEST_FRACTION = 0.25


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); 0.5 when one class is missing."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return 0.5
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        average_rank = (i + j) / 2 + 1
        rank_sum += average_rank * sum(labels[order[k]] for k in range(i, j + 1))
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def brier(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Mean squared error of the probabilities (lower is better)."""
    if not labels:
        return 0.0
    return sum((s - y) ** 2 for s, y in zip(scores, labels, strict=True)) / len(labels)


@dataclass(frozen=True, slots=True)
class Metrics:
    """How well a model ranks and how well it is calibrated, on some samples."""

    auc: float
    brier: float

    def to_json(self) -> dict[str, float]:
        """Rounded for storage and display."""
        return {"auc": round(self.auc, 4), "brier": round(self.brier, 4)}


def evaluate(params: RiskParams, held_out: Sequence[Sample]) -> Metrics:
    """AUC and Brier score of a model on samples."""
    scores = [probability(params, s.x) for s in held_out]
    labels = [s.late for s in held_out]
    return Metrics(auc(scores, labels), brier(scores, labels))


def time_split(
    found: Sequence[Sample], test_fraction: float = TEST_FRACTION
) -> tuple[list[Sample], list[Sample], datetime | None]:
    """Older tasks (by due date) to train on, the latest `test_fraction` of tasks to test on.

    All samples of one task land on the same side. Returns (train, test, first test due date).
    """
    dues = sorted({(s.due_at, s.task_id) for s in found})
    if not dues:
        return [], [], None
    cut = dues[min(int(len(dues) * (1 - test_fraction)), len(dues) - 1)]
    train = [s for s in found if (s.due_at, s.task_id) < cut]
    test = [s for s in found if (s.due_at, s.task_id) >= cut]
    return train, test, cut[0]
