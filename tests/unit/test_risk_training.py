"""Training and backtests: AUC and Brier, point-in-time replay, a trained model that must win."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from smarttask.analysis.risk.synthetic import generate
from smarttask.risk.backtest import auc, brier, evaluate, time_split
from smarttask.risk.features import FEATURES
from smarttask.risk.history import History, HistoryTask, outcome, samples
from smarttask.risk.model import DEFAULT
from smarttask.risk.training import fit_logistic, train

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def test_auc_and_brier_on_known_values() -> None:
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert auc([0.2, 0.2, 0.2], [0, 1, 0]) == 0.5
    assert auc([0.9, 0.1], [1, 0]) == 1.0
    assert auc([0.5, 0.6], [1, 1]) == 0.5  # one class only
    assert brier([1.0, 0.0], [1, 0]) == 0.0
    assert brier([0.5, 0.5], [1, 0]) == 0.25


def test_the_generator_is_deterministic() -> None:
    one = generate(tasks=300, seed=5, now=NOW)
    two = generate(tasks=300, seed=5, now=NOW)
    other = generate(tasks=300, seed=6, now=NOW)
    strip = [(t.status, t.due_at, t.completed_at, t.assignee_id) for t in one.tasks]
    assert strip == [(t.status, t.due_at, t.completed_at, t.assignee_id) for t in two.tasks]
    assert strip != [(t.status, t.due_at, t.completed_at, t.assignee_id) for t in other.tasks]


def _task(
    task_id: str, created: float, due: float | None, done: float | None, **kw: object
) -> HistoryTask:
    def at(days: float | None) -> datetime | None:
        return None if days is None else NOW + timedelta(days=days)

    values: dict[str, object] = {
        "assignee_id": "a",
        "status": "done" if done is not None else "todo",
        "priority": 0,
        "estimate_minutes": None,
        "description_length": 0,
        "has_checklist": False,
        "reschedules": 0,
    } | kw
    created_at = at(created)
    assert created_at is not None
    return HistoryTask(
        id=task_id,
        created_at=created_at,
        due_at=at(due),
        completed_at=at(done),
        updated_at=at(done) or created_at,
        **values,  # type: ignore[arg-type]
    )


def test_outcomes() -> None:
    assert outcome(_task("a", -10, -5, -6), NOW) == 0
    assert outcome(_task("a", -10, -5, -4), NOW) == 1
    assert outcome(_task("a", -10, -5, None), NOW) == 1  # open past due: already late
    assert outcome(_task("a", -10, 5, None), NOW) is None
    assert outcome(_task("a", -10, None, -1), NOW) is None
    assert outcome(_task("a", -10, -5, None, status="cancelled"), NOW) is None


def test_replay_sees_the_past_only() -> None:
    blocker = _task("b", -30, -20, -12)  # done 12 days ago (late)
    task = _task("t", -25, -5, -6)  # created while the blocker was open
    later = _task("l", -10, -2, -3)  # created after the blocker was done
    history = History([blocker, task, later], [("t", "b", blocker.created_at)])
    history = History(history.tasks, [*history.edges, ("l", "b", later.created_at)])
    found = {(s.task_id, round(s.x[FEATURES.index("age")], 6)): s for s in samples(history, NOW)}
    first = next(s for (tid, age), s in found.items() if tid == "t" and age == 0)
    deps = FEATURES.index("open_dependencies")
    assert first.x[deps] > 0  # the blocker was open when `t` started
    assert first.x[FEATURES.index("blocked_by_overdue")] == 0  # not overdue yet
    assert all(s.x[deps] == 0 for (tid, _), s in found.items() if tid == "l")
    # The assignee's late rate of `t` at its start knows nothing of the blocker's lateness.
    rate = FEATURES.index("assignee_late_rate")
    assert first.x[rate] == pytest.approx(0.3)
    assert any(s.x[rate] > 0.3 for (tid, _), s in found.items() if tid == "l")


def test_time_split_keeps_tasks_whole_and_tests_on_the_latest() -> None:
    found = samples(generate(tasks=400, seed=1, now=NOW), NOW)
    train_part, test_part, cut = time_split(found)
    assert cut is not None
    assert train_part
    assert test_part
    assert max(s.due_at for s in train_part) <= cut <= min(s.due_at for s in test_part)
    assert not {s.task_id for s in train_part} & {s.task_id for s in test_part}
    assert 0.2 < len({s.task_id for s in test_part}) / len({s.task_id for s in found}) < 0.3


def test_the_trained_model_beats_the_default_on_a_planted_signal() -> None:
    result = train(generate(tasks=2000, seed=42, now=NOW), NOW, min_tasks=200)
    assert result.active, result.note
    assert result.trained is not None
    assert result.default is not None
    assert result.trained.auc > result.default.auc + 0.03
    assert result.trained.brier < result.default.brier
    assert result.params is not None
    coefficients = dict(zip(FEATURES, result.params.coefficients, strict=True))
    # The planted effects are found with their signs, including the one the default reverses.
    assert coefficients["assignee_late_rate"] > 0.2
    assert coefficients["open_dependencies"] > 0.2
    assert coefficients["reschedules"] > 0.2
    assert coefficients["priority"] > 0.1 > DEFAULT.coefficients[FEATURES.index("priority")]


def test_no_signal_keeps_the_default() -> None:
    history = generate(tasks=1500, seed=9, now=NOW)
    rng = random.Random(3)
    shuffled = []
    for t in history.tasks:  # lateness decided by a coin, whatever the features say
        if t.status != "done" or t.due_at is None:
            shuffled.append(t)
            continue
        late = rng.random() < 0.3
        end = t.due_at + timedelta(days=2) if late else t.due_at - timedelta(hours=6)
        shuffled.append(
            HistoryTask(**{**{f: getattr(t, f) for f in t.__slots__}, "completed_at": end})
        )
    result = train(History(shuffled, history.edges), NOW, min_tasks=200)
    assert result.trained is not None
    assert result.default is not None
    # Both are near chance; whether it is kept depends only on the comparison.
    assert result.active == (result.trained.auc > result.default.auc)
    assert abs(result.trained.auc - 0.5) < 0.15


def test_too_little_history_is_not_trained() -> None:
    result = train(generate(tasks=100, seed=2, now=NOW), NOW, min_tasks=200)
    assert not result.active
    assert result.params is None
    assert "training needs 200" in result.note


def test_fitted_coefficients_recover_a_known_logistic() -> None:
    rng = random.Random(11)
    history = generate(tasks=50, seed=1, now=NOW)
    found = samples(history, NOW)[:1]
    data = []
    for _ in range(4000):
        x = [rng.gauss(0, 1) for _ in FEATURES]
        z = 1.5 * x[0] - 1.0 * x[1] + 0.5
        late = int(rng.random() < 1 / (1 + 2.718281828 ** (-z)))
        data.append(type(found[0])("t", NOW, x, late))
    params = fit_logistic(data, l2=0.01)
    scaled = [c / s for c, s in zip(params.coefficients, params.scales, strict=True)]
    assert scaled[0] == pytest.approx(1.5, abs=0.15)
    assert scaled[1] == pytest.approx(-1.0, abs=0.15)
    assert all(abs(c) < 0.15 for c in scaled[2:])
    assert evaluate(params, data).auc > 0.8
