"""The guardrail of executive summaries: a sentence whose numbers are not in the data goes.

Pure functions. Every number a sentence states (dates included) must be one of the
figures' own values, as written there, or a rate of the figures shown as a percentage. A
sentence with markup is cleaned to text; an empty, overlong or unnumbered-but-alarming one
is not special-cased: the numbers are the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from smarttask.analysis.markup import clean

MAX_SENTENCES = 5
MAX_CHARS = 400
# Dates first, then numbers with optional thousands separators, decimals and a percent sign.
_NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+(?:\.\d+)?%?")


@dataclass(frozen=True, slots=True)
class SummaryReview:
    """The sentences that may be shown, and how many were refused."""

    sentences: list[str]
    refused: int


def _values(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _values(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _values(value)
    else:
        yield data


def _forms(value: Any) -> set[str]:
    """The ways a figure may be written."""
    if isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, int):
        return {str(value), f"{value:,}"}
    if isinstance(value, float):
        forms = {repr(value), f"{value:g}", f"{value:.1f}", f"{value:.2f}", f"{value:,.2f}"}
        if 0 <= value <= 1:  # a rate: as a percentage too
            percent = value * 100
            forms |= {f"{percent:.0f}%", f"{percent:.1f}%", f"{percent:g}%"}
        if value.is_integer():
            forms.add(str(int(value)))
        return forms
    text = str(value)
    return set(_NUMBER.findall(text))


def allowed_numbers(figures: dict[str, Any]) -> set[str]:
    """Every number (as text) the figures allow a sentence to state."""
    allowed: set[str] = set()
    for value in _values(figures):
        allowed |= _forms(value)
    return allowed


def review_summary(answer: dict[str, Any] | None, figures: dict[str, Any]) -> SummaryReview:
    """The sentences of a provider's answer that state only the figures' numbers."""
    raw = (answer or {}).get("sentences")
    if not isinstance(raw, list):
        return SummaryReview([], 1)
    allowed = allowed_numbers(figures)
    kept: list[str] = []
    refused = 0
    for item in raw[: MAX_SENTENCES * 2]:
        text = clean(str(item), frozenset(), single_line=True).text if isinstance(item, str) else ""
        sentence = " ".join(text.split())
        numbers = _NUMBER.findall(sentence)
        if not sentence or len(sentence) > MAX_CHARS or any(n not in allowed for n in numbers):
            refused += 1
            continue
        kept.append(sentence)
    return SummaryReview(kept[:MAX_SENTENCES], refused)
