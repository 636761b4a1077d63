"""The summaries' guardrail: a sentence stating a number that is not in the data is refused."""

from __future__ import annotations

from smarttask.adapters.llm.summary import local_summary
from smarttask.analysis.summary_guard import review_summary

FIGURES = {
    "from": "2026-11-04",
    "to": "2026-12-03",
    "created": 1240,
    "completed": 1108,
    "overdue": 17,
    "on_time_rate": 0.8123,
    "cycle_time_hours_p50": 30.5,
    "top": {"metric": "open work", "value": 12, "label": "Ada"},
}


def test_only_sentences_with_the_datas_numbers_pass() -> None:
    review = review_summary(
        {
            "sentences": [
                "1,240 tasks were created and 1108 completed from 2026-11-04 to 2026-12-03.",
                "81% were on time; half took at most 30.5 hours.",
                "Throughput rose 12% on last month.",  # 12 is a figure, 12% is not
                "Completion will reach 95% by 2026-12-24.",  # invented
                "17 open tasks are overdue.",
                "<script>alert(1)</script>Ada carries 12 open tasks.",
                "",
            ]
        },
        FIGURES,
    )
    assert review.sentences == [
        "1,240 tasks were created and 1108 completed from 2026-11-04 to 2026-12-03.",
        "81% were on time; half took at most 30.5 hours.",
        "17 open tasks are overdue.",
        "Ada carries 12 open tasks.",
    ]
    assert review.refused == 3


def test_answers_that_are_not_sentences_are_refused() -> None:
    for answer in (None, {}, {"sentences": "one string"}, {"summary": ["x"]}):
        review = review_summary(answer, FIGURES)  # type: ignore[arg-type]
        assert review.sentences == []
        assert review.refused == 1
    assert review_summary({"sentences": [{"nested": 1}, 5]}, FIGURES).refused == 2


def test_the_local_summary_passes_its_own_guardrail() -> None:
    sentences = local_summary(FIGURES)
    assert len(sentences) >= 3
    assert review_summary({"sentences": sentences}, FIGURES).sentences == sentences
