"""The `local` provider: a deterministic analyser with no network, the default.

It reads the task the way a careful lead would: list items and imperative sentences become
subtasks, missing acceptance criteria, due date or owner become questions, similar finished
tasks give the estimate, and the risk level plus urgency words give the priority.
"""

from __future__ import annotations

import json
import re
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from smarttask.adapters.llm.base import AnalysisRequest, ProviderAnswer, SimilarTask, TaskSnapshot
from smarttask.adapters.llm.summary import local_summary
from smarttask.settings import AISettings

_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+(\[[ xX]\]\s+)?(.+?)\s*$")
_CHECKBOX = re.compile(r"^\s*\[([ xX])\]\s+(.+?)\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z0-9]+")
_IMPERATIVE = frozenset(
    [
        "add",
        "update",
        "fix",
        "write",
        "create",
        "remove",
        "delete",
        "test",
        "deploy",
        "review",
        "migrate",
        "implement",
        "document",
        "check",
        "configure",
        "set",
        "build",
        "design",
        "refactor",
        "investigate",
        "contact",
        "send",
        "prepare",
        "install",
        "upgrade",
        "replace",
        "rename",
        "move",
        "merge",
        "split",
        "clean",
        "verify",
        "validate",
        "measure",
        "benchmark",
        "draft",
        "publish",
        "release",
        "monitor",
        "backup",
        "restore",
        "rotate",
        "schedule",
        "call",
        "email",
        "ask",
        "confirm",
        "decide",
        "define",
        "enable",
        "disable",
        "integrate",
        "automate",
        "translate",
        "optimise",
        "optimize",
        "profile",
        "audit",
        "archive",
    ]
)
_STRONG = ("outage", "security", "blocker", "blocking", "data loss", "breach", "critical", "down")
_URGENT = ("urgent", "asap", "customer", "deadline", "immediately", "production", "escalat")
_ACCEPTANCE = ("acceptance", "done when", "should", "must", "definition of done", "expected")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "for",
        "in",
        "on",
        "at",
        "with",
        "by",
        "from",
        "is",
        "are",
        "be",
        "this",
        "that",
    ]
)
_INJECTION = re.compile(
    r"ignore\s+(?:all\s+)?(?:previous|prior|above)|you\s+are\s+now|system\s+prompt|"
    r"respond\s+with|reply\s+with|</?\s*(?:system|assistant|user)\s*>",
    re.IGNORECASE,
)
_MAX_SUBTASKS = 10
_PRIORITY_RANK = ("none", "low", "medium", "high", "urgent")


def _tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _count_tokens(text: str) -> int:
    """About 1.3 tokens per word, as vendors count English text."""
    return max(1, round(len(text.split()) * 1.3))


def _trim(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def subtasks_of(description: str) -> list[str]:
    """List items, checkbox lines and imperative sentences, in order, without repeats."""
    found: list[str] = []
    prose: list[str] = []
    for line in description.splitlines():
        if listed := _LIST_ITEM.match(line):
            box, text = listed.group(1) or "", listed.group(2)
        elif boxed := _CHECKBOX.match(line):
            box, text = f"[{boxed.group(1)}]", boxed.group(2)
        else:
            prose.append(line)
            continue
        if "x" not in box.lower():  # ticked items are done already
            found.append(text)
    for sentence in _SENTENCE.split("\n".join(prose)):
        words = sentence.strip().split()
        if words and words[0].lower().strip(",:;") in _IMPERATIVE:
            found.append(sentence.strip().rstrip("."))
    unique: list[str] = []
    for text in found:
        text = _trim(text, 200)
        if text and not _INJECTION.search(text) and text.lower() not in map(str.lower, unique):
            unique.append(text)
    return unique[:_MAX_SUBTASKS]


def _has_acceptance(task: TaskSnapshot) -> bool:
    text = task.description.lower()
    return (
        any(word in text for word in _ACCEPTANCE) or bool(_CHECKBOX.search(text)) or ("[ ]" in text)
    )


def questions_of(task: TaskSnapshot) -> list[str]:
    """Clarifying questions for what the task leaves open."""
    questions = []
    if not _has_acceptance(task):
        questions.append("What are the acceptance criteria: how will we know this is done?")
    if task.due_at is None:
        questions.append("When does this need to be done?")
    if not task.has_assignee:
        questions.append("Who will own this task?")
    return questions


def _similar_minutes(task: TaskSnapshot, similar: tuple[SimilarTask, ...]) -> list[int]:
    words = _tokens(task.title)
    minutes = []
    for other in similar:
        overlap = words & _tokens(other.title)
        if not overlap or len(overlap) / max(1, len(words | _tokens(other.title))) < 0.2:
            continue
        # The team's own estimate where it gave one; else the time it took (creation to done).
        value = (
            other.estimate_minutes if other.estimate_minutes is not None else other.actual_minutes
        )
        if value is not None and value > 0:
            minutes.append(value)
    return minutes


def estimate_of(task: TaskSnapshot, similar: tuple[SimilarTask, ...], subtasks: int) -> int:
    """Median of similar finished tasks, else a size heuristic; in steps of 15 minutes."""
    minutes = _similar_minutes(task, similar)
    if minutes:
        value = float(statistics.median(minutes))
    else:
        value = 30 + 45 * subtasks + 15 * (len(task.description.split()) // 100)
    return max(15, round(value / 15) * 15)


def priority_of(task: TaskSnapshot, now: datetime) -> str:
    """From the risk level, lateness and urgency words; never below what layer 1 implies."""
    text = f"{task.title} {task.description} {' '.join(task.labels)}".lower()
    strong = sum(word in text for word in _STRONG)
    urgent = sum(word in text for word in _URGENT)
    late = task.due_at is not None and task.due_at < now
    rank = 1  # low
    if task.risk_level == "medium" or urgent:
        rank = 2
    if task.risk_level == "high" or late or strong or urgent >= 2:
        rank = 3
    if strong and (task.risk_level == "high" or late or urgent):
        rank = 4
    return _PRIORITY_RANK[rank]


def concerns_of(task: TaskSnapshot, now: datetime, subtasks: int) -> list[str]:
    """What may go wrong, from the task's own fields."""
    concerns = []
    if task.due_at is not None and task.due_at < now:
        concerns.append("The task is past its due date.")
    elif task.due_at is not None and task.due_at - now < timedelta(days=2):
        concerns.append("The due date is less than two days away.")
    if task.risk_level == "high":
        concerns.append("The risk model rates this task high risk.")
    if task.open_dependencies:
        concerns.append(f"It waits on {task.open_dependencies} unfinished task(s).")
    if not task.description.strip():
        concerns.append("There is no description: scope is unclear.")
    if subtasks >= 6:
        concerns.append("The scope is large; consider splitting the task.")
    if task.due_at is not None and not task.has_assignee:
        concerns.append("Nobody is assigned although there is a due date.")
    return concerns


def summary_of(task: TaskSnapshot) -> str:
    """The description's first sentence, or the title."""
    for line in task.description.splitlines():
        line = line.strip()
        if line and not _LIST_ITEM.match(line) and not _INJECTION.search(line):
            return _trim(re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0], 300)
    return _trim(task.title, 300)


def analyse_now(request: AnalysisRequest) -> dict[str, Any]:
    """The analysis of one request, as the JSON object a vendor would return."""
    task = request.task
    now = request.now or datetime.now(UTC)
    subtasks = subtasks_of(task.description)
    return {
        "summary": summary_of(task),
        "suggested_priority": priority_of(task, now),
        "estimate_minutes": estimate_of(task, request.similar, len(subtasks)),
        "subtasks": subtasks,
        "concerns": concerns_of(task, now, len(subtasks)),
        "questions": questions_of(task),
    }


class LocalAnalyser:
    """A deterministic analysis provider: no network, no cost, fast."""

    name = "local"

    def __init__(self, settings: AISettings) -> None:
        self.model = settings.model

    async def analyse(self, request: AnalysisRequest) -> ProviderAnswer:
        """Analyse the task in-process."""
        data = analyse_now(request)
        raw = json.dumps(data, ensure_ascii=False)
        task = request.task
        seen = " ".join(
            [task.title, task.description, *task.labels, *(s.title for s in request.similar)]
        )
        return ProviderAnswer(
            data=data,
            raw_text=raw,
            model=self.model,
            input_tokens=_count_tokens(seen),
            output_tokens=_count_tokens(" ".join(_words(data))),
        )

    async def summarise(self, figures: dict[str, Any]) -> ProviderAnswer:
        """Sentences built from the figures in-process."""
        data = {"sentences": local_summary(figures)}
        raw = json.dumps(data, ensure_ascii=False)
        return ProviderAnswer(
            data=data,
            raw_text=raw,
            model=self.model,
            input_tokens=_count_tokens(json.dumps(figures, default=str)),
            output_tokens=_count_tokens(raw),
        )

    async def check(self) -> str:
        """Nothing to call: the analyser runs in-process."""
        return "local analyser (no network)"


def _words(data: dict[str, Any]) -> list[str]:
    words: list[str] = []
    for value in data.values():
        items = value if isinstance(value, list) else [value]
        words += [str(item) for item in items if item is not None]
    return words
