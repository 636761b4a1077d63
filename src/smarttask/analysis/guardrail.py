"""Layer 3, the guardrail: every answer is validated, cleaned and checked before it is stored.

Pure functions, no I/O. `review()` takes what a provider returned and the task it saw, and
gives back the result that may be shown (or None when the answer is rejected) with findings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from smarttask.adapters.llm.base import TaskSnapshot
from smarttask.analysis import injection
from smarttask.analysis.markup import clean, urls_in

PRIORITIES = ("none", "low", "medium", "high", "urgent")
LISTS = ("subtasks", "concerns", "questions")
FIELDS = ("summary", "suggested_priority", "estimate_minutes", *LISTS)
SUMMARY_MAX = 1_000
ITEM_MAX = {"subtasks": 200, "concerns": 300, "questions": 300}
ITEMS_MAX = 10
ESTIMATE_MAX = 1_000_000
_ALIASES = {
    "priority": "suggested_priority",
    "estimate": "estimate_minutes",
    "estimated_minutes": "estimate_minutes",
    "steps": "subtasks",
    "risks": "concerns",
    "clarifying_questions": "questions",
}
_PRIORITY_WORDS = {"critical": "urgent", "normal": "medium", "moderate": "medium", "minor": "low"}
_DURATION = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)?\s*$", re.I
)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 480}
_FENCED = re.compile(r"```(?:json)?\s*(.*?)```", re.S | re.I)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the guardrail noticed; blocking findings make `passed` false."""

    code: str
    message: str
    field: str | None = None
    blocking: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The finding as stored and shown."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "severity": "blocking" if self.blocking else "warning",
        }


@dataclass(slots=True)
class Review:
    """The reviewed result (None when rejected) and the findings."""

    result: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no finding is blocking."""
        return not any(f.blocking for f in self.findings)

    def guardrail(self) -> dict[str, Any]:
        """The `guardrail` object of an analysis."""
        return {"passed": self.passed, "findings": [f.as_dict() for f in self.findings]}


def parse(data: dict[str, Any] | None, raw_text: str) -> tuple[Any, list[Finding]]:
    """The answer's JSON value; repairs code fences, prose around it and trailing commas."""
    if data is not None:
        return data, []
    text = raw_text.strip()
    candidates = [text]
    fenced = _FENCED.search(text)
    if fenced:
        candidates.append(fenced.group(1).strip())
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    candidates += [_TRAILING_COMMA.sub(r"\1", c) for c in list(candidates)]
    for number, candidate in enumerate(candidates):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if number == 0:
            return value, []
        return value, [Finding("json-repaired", "answer JSON was wrapped or malformed; repaired")]
    return None, [Finding("invalid-json", "answer was not valid JSON", None, blocking=True)]


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        for key in ("title", "text", "description", "name", "question", "concern"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return None


def _priority(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(PRIORITIES):
        return PRIORITIES[value]
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    word = _PRIORITY_WORDS.get(word, word)
    return word if word in PRIORITIES else None


def _minutes(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number: float = value
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        unit = (match.group(2) or "m")[0].lower()
        number = float(match.group(1).replace(",", ".")) * _UNIT_MINUTES[unit]
    else:
        return None
    return round(number) if 0 <= number <= ESTIMATE_MAX else None


def validate(value: Any) -> tuple[dict[str, Any] | None, list[Finding]]:
    """Repair the answer into the schema: known fields, right types; None when unusable."""
    if not isinstance(value, dict):
        return None, [Finding("not-an-object", "answer was not a JSON object", blocking=True)]
    findings: list[Finding] = []
    fields = {_ALIASES.get(k, k): v for k, v in value.items() if isinstance(k, str)}
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:5])
        findings.append(Finding("unknown-fields-dropped", f"fields dropped: {shown}"))
    if not set(fields) & set(FIELDS):
        findings.append(Finding("no-expected-fields", "answer had none of the fields", None, True))
        return None, findings
    result: dict[str, Any] = {}
    summary = fields.get("summary")
    result["summary"] = _text(summary) if summary is not None else None
    if summary is not None and result["summary"] is None:
        findings.append(Finding("invalid-type", "summary was not text; dropped", "summary"))
    raw_priority = fields.get("suggested_priority")
    result["suggested_priority"] = _priority(raw_priority)
    if raw_priority is not None and result["suggested_priority"] is None:
        findings.append(
            Finding(
                "invalid-priority",
                f"suggested priority must be one of {', '.join(PRIORITIES)}; dropped",
                "suggested_priority",
            )
        )
    raw_estimate = fields.get("estimate_minutes")
    result["estimate_minutes"] = _minutes(raw_estimate)
    if raw_estimate is not None and result["estimate_minutes"] is None:
        findings.append(
            Finding("invalid-estimate", "estimate was not a number of minutes", "estimate_minutes")
        )
    for name in LISTS:
        items = fields.get(name)
        if items is None:
            result[name] = []
            continue
        if not isinstance(items, list):
            items = [items]
        texts = [_text(item) for item in items]
        result[name] = [t for t in texts if t is not None]
        if len(result[name]) != len(items):
            findings.append(Finding("invalid-type", f"{name} held items that were not text", name))
    return result, findings


def _clean_fields(result: dict[str, Any], task_text: str) -> list[Finding]:
    allowed = urls_in(task_text)
    findings: list[Finding] = []
    for name in FIELDS:
        if name not in ("summary", *LISTS) or result[name] is None:
            continue
        values = [result[name]] if name == "summary" else result[name]
        cleaned = [clean(v, allowed, single_line=name != "summary") for v in values]
        links = [link for c in cleaned for link in c.links_removed]
        # Every repair is reported: a field can lose markup and links at once.
        if any(c.markup_removed for c in cleaned):
            findings.append(Finding("markup-stripped", "markup removed", name))
        if links:
            findings.append(
                Finding("link-removed", f"{len(links)} link(s) not in the task removed", name)
            )
        texts = [c.text for c in cleaned]
        result[name] = (texts[0] or None) if name == "summary" else _unique(texts)
    return findings


def _unique(texts: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for text in texts:
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            unique.append(text)
    return unique


def _cap(result: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    summary = result["summary"]
    if summary is not None and len(summary) > SUMMARY_MAX:
        result["summary"] = summary[: SUMMARY_MAX - 1].rstrip() + "\u2026"
        findings.append(Finding("too-long", f"cut to {SUMMARY_MAX} characters", "summary"))
    for name in LISTS:
        items: list[str] = result[name]
        if len(items) > ITEMS_MAX:
            findings.append(Finding("too-many-items", f"kept the first {ITEMS_MAX}", name))
            items = items[:ITEMS_MAX]
        limit = ITEM_MAX[name]
        if any(len(item) > limit for item in items):
            findings.append(Finding("too-long", f"items cut to {limit} characters", name))
            items = [i if len(i) <= limit else i[: limit - 1].rstrip() + "\u2026" for i in items]
        result[name] = items
    return findings


def _injection(result: dict[str, Any], task: TaskSnapshot) -> list[Finding]:
    task_text = f"{task.title}\n{task.description}"
    phrases = injection.suspicious_phrases(task_text)
    findings: list[Finding] = []
    if phrases:
        shown = "; ".join(f'"{p[:60]}"' for p in phrases[:3])
        findings.append(
            Finding(
                "prompt-injection-suspected",
                f"the task text contains instructions aimed at the model: {shown}",
            )
        )
    demands = injection.demanded_outputs(task_text) if phrases else []
    summary = result["summary"]
    if summary is not None:
        obeyed = injection.obeys(summary, demands)
        echoed = injection.looks_like_injection(summary)
        if obeyed or echoed:
            result["summary"] = None
            findings.append(_obeyed("summary", obeyed) if obeyed else _echoed("summary"))
    for name in LISTS:
        kept = []
        for item in result[name]:
            obeyed = injection.obeys(item, demands)
            if obeyed:
                findings.append(_obeyed(name, obeyed))
            elif injection.looks_like_injection(item):
                findings.append(_echoed(name))
            else:
                kept.append(item)
        result[name] = kept
    findings += _subtasks_repeating_the_task(result, task_text, phrases)
    suggested = result["suggested_priority"]
    own = task.priority if task.priority in PRIORITIES else "none"
    if (
        phrases
        and suggested in ("none", "low")
        and _rank(own) >= _rank("high")
        and injection.demands_low_priority(task_text)
    ):
        result["suggested_priority"] = None
        findings.append(
            Finding(
                "prompt-injection-obeyed",
                f"the answer called a {own}-priority task {suggested} after the task text "
                "told the model what to answer; suggestion removed",
                "suggested_priority",
                blocking=True,
            )
        )
    return _dedupe(findings)


def _subtasks_repeating_the_task(
    result: dict[str, Any], task_text: str, phrases: list[str]
) -> list[Finding]:
    """Suggested subtasks that hand a link or an instruction of the task text back to people.

    A subtask that repeats an instruction aimed at the model is removed: it would turn the
    injected text into work someone does. One that repeats a link of the task is kept (the
    link was there already) but flagged, so that nobody follows it as the tool's advice.
    """
    findings: list[Finding] = []
    lines = injection.instruction_lines(task_text) if phrases else []
    task_links = urls_in(task_text)
    kept = []
    for item in result["subtasks"]:
        if lines and injection.repeats_instruction(item, lines):
            findings.append(
                Finding(
                    "subtask-repeats-instruction",
                    "a suggested subtask repeated an instruction from the task text; removed",
                    "subtasks",
                )
            )
            continue
        if task_links and urls_in(item) & task_links:
            findings.append(
                Finding(
                    "subtask-repeats-link",
                    "a suggested subtask repeats a link from the task text; check it before "
                    "following it",
                    "subtasks",
                )
            )
        kept.append(item)
    result["subtasks"] = kept
    return findings


def _obeyed(name: str, demand: str) -> Finding:
    return Finding(
        "prompt-injection-obeyed",
        f'the answer repeated "{demand[:60]}" as the task text demanded; removed',
        name,
        blocking=True,
    )


def _echoed(name: str) -> Finding:
    return Finding("instructions-removed", "text with instructions aimed at a model removed", name)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    unique: list[Finding] = []
    for finding in findings:
        if finding not in unique:
            unique.append(finding)
    return unique


def _rank(priority: str) -> int:
    return PRIORITIES.index(priority)


def overdue(task: TaskSnapshot, now: datetime) -> bool:
    """Past its due date and not finished."""
    return (
        task.due_at is not None and task.due_at < now and task.status not in ("done", "cancelled")
    )


def _consistency(result: dict[str, Any], task: TaskSnapshot, now: datetime) -> list[Finding]:
    suggested = result["suggested_priority"]
    late = overdue(task, now)
    if suggested not in ("none", "low") or not (late or task.risk_level == "high"):
        return []
    reason = "overdue" if late else "high-risk"
    result["suggested_priority"] = "high"
    return [
        Finding(
            "inconsistent-with-risk",
            f"the answer called an {reason} task {suggested} priority; the risk model's "
            "level stands and the suggestion was raised to high",
            "suggested_priority",
        )
    ]


def review(
    data: dict[str, Any] | None,
    raw_text: str,
    task: TaskSnapshot,
    now: datetime,
    notes: tuple[str, ...] = (),
) -> Review:
    """Validate, repair, clean and check one answer about `task` (`notes`: the provider's)."""
    value, findings = parse(data, raw_text)
    findings = [Finding("provider-note", note[:300]) for note in notes[:5]] + findings
    if value is None and findings:
        return Review(None, findings)
    result, more = validate(value)
    findings += more
    if result is None:
        return Review(None, findings)
    findings += _clean_fields(result, f"{task.title}\n{task.description}")
    findings += _injection(result, task)
    findings += _cap(result)
    findings += _consistency(result, task, now)
    return Review(result, findings)
