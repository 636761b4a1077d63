"""The risk model's scoring: pure Python, explainable, monotone in what should raise the risk."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from smarttask.risk.features import FEATURES, TaskFacts, has_checklist, late_rate, vector
from smarttask.risk.model import (
    DEFAULT,
    RiskParams,
    applies,
    explain,
    level_of,
    probability,
    score_facts,
)

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
BASE = TaskFacts(
    due_at=NOW + timedelta(days=7),
    created_at=NOW - timedelta(days=3),
    status="todo",
    priority=2,
    estimate_minutes=None,
    description_length=120,
    has_checklist=False,
    reschedules=0,
    assigned=True,
    assignee_open=5,
    assignee_late=3,
    assignee_finished=10,
)


def test_features_are_named_and_complete() -> None:
    x = vector(BASE, NOW)
    assert len(x) == len(FEATURES) == len(set(FEATURES))
    assert x[FEATURES.index("days_until_due")] == math.log1p(7)
    assert x[FEATURES.index("overdue")] == 0
    overdue = vector(replace(BASE, due_at=NOW - timedelta(days=2)), NOW)
    assert overdue[FEATURES.index("days_until_due")] < 0
    assert overdue[FEATURES.index("overdue")] == 1


def test_late_rate_is_shrunk_toward_the_prior() -> None:
    assert late_rate(0, 0) == 0.3
    assert late_rate(1, 1) < 1.0
    assert late_rate(90, 100) > late_rate(9, 10) > late_rate(1, 10)


def test_checklists_are_found() -> None:
    assert has_checklist("Steps:\n- [ ] write it\n- [x] plan it")
    assert has_checklist("Acceptance criteria: it works")
    assert not has_checklist("just do it")


def _score(facts: TaskFacts) -> float:
    return score_facts(DEFAULT, facts, NOW).score


def test_the_default_model_rises_with_what_makes_tasks_late() -> None:
    base = _score(BASE)
    assert _score(replace(BASE, due_at=NOW + timedelta(days=1))) > base
    assert _score(replace(BASE, due_at=NOW - timedelta(days=1))) > 0.9
    assert _score(replace(BASE, open_dependencies=2)) > base
    assert _score(replace(BASE, open_dependencies=1, overdue_dependencies=1)) > _score(
        replace(BASE, open_dependencies=1)
    )
    assert _score(replace(BASE, reschedules=2)) > base
    assert _score(replace(BASE, estimate_minutes=60 * 40)) > base
    assert _score(replace(BASE, assignee_late=9)) > base
    assert _score(replace(BASE, assignee_open=30)) > base
    assert _score(replace(BASE, assigned=False)) > base
    assert _score(replace(BASE, due_at=NOW + timedelta(days=60))) < base


def test_factors_are_contributions_to_the_log_odds() -> None:
    facts = replace(BASE, open_dependencies=3, reschedules=1, due_at=NOW + timedelta(days=1))
    result = score_facts(DEFAULT, facts, NOW)
    x = vector(facts, NOW)
    contributions = {
        name: c * (v - m) / s
        for name, v, c, m, s in zip(
            FEATURES, x, DEFAULT.coefficients, DEFAULT.means, DEFAULT.scales, strict=True
        )
    }
    logit = math.log(result.score / (1 - result.score))
    assert math.isclose(DEFAULT.intercept + sum(contributions.values()), logit, abs_tol=1e-3)
    names = [f["name"] for f in result.factors]
    assert names[0] == max(contributions, key=lambda n: abs(contributions[n]))
    assert 0 < len(names) <= 5
    for factor in result.factors:
        assert math.isclose(factor["weight"], contributions[factor["name"]], abs_tol=1e-3)
    assert result.level == level_of(result.score)


def test_levels_and_applicability() -> None:
    assert (level_of(0.1), level_of(0.5), level_of(0.9)) == ("low", "medium", "high")
    assert applies("todo", NOW)
    assert applies("in_progress", NOW)
    assert not applies("done", NOW)
    assert not applies("cancelled", NOW)
    assert not applies("todo", None)


def test_stored_models_round_trip() -> None:
    stored = DEFAULT.to_json()
    again = RiskParams.from_json(stored["coefficients"], stored["means"], stored["scales"], 3)
    assert again.version == 3
    x = vector(BASE, NOW)
    assert probability(again, x) == probability(DEFAULT, x)
    partial = RiskParams.from_json({"intercept": 0.0, "unknown": 5.0}, {}, {}, 1)
    assert probability(partial, x) == 0.5
    assert explain(partial, x).factors == []


def test_scoring_never_imports_numpy() -> None:
    code = (
        "import sys\n"
        "from smarttask.tasks import service\n"
        "from smarttask.tasks.scoring import service as scoring\n"
        "from smarttask.risk import model\n"
        "assert 'numpy' not in sys.modules, 'numpy on the request path'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
