"""The protocol every analysis provider speaks, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

PROMPT_VERSION = "2026-11-22.1"


@dataclass(frozen=True, slots=True)
class SimilarTask:
    """A finished task of the same workspace, for estimates."""

    title: str
    estimate_minutes: int | None
    actual_minutes: int | None


@dataclass(frozen=True, slots=True)
class TaskSnapshot:
    """The task content an analysis sees (already redacted before it reaches a vendor)."""

    key: str
    title: str
    description: str
    status: str
    priority: str
    labels: tuple[str, ...]
    due_at: datetime | None
    has_assignee: bool
    estimate_minutes: int | None
    risk_score: float | None
    risk_level: str | None
    open_dependencies: int = 0


@dataclass(frozen=True, slots=True)
class AnalysisRequest:
    """One analysis to produce."""

    task: TaskSnapshot
    similar: tuple[SimilarTask, ...] = ()
    now: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    """What a provider returned: the parsed JSON object (or the raw text when it is not JSON)."""

    data: dict[str, Any] | None
    raw_text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


class ProviderError(Exception):
    """An analysis call failed; `message` is safe to show to the user."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        input_tokens: int = 0,
        output_tokens: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        # Tokens the failed attempt was billed for (e.g. answers cut off at the limit).
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens


class ProviderUnavailable(ProviderError):
    """429, 5xx, timeouts, connection errors: worth another try later."""

    retryable = True


class ModelNotFound(ProviderError):
    """The configured model does not exist at the provider."""


class AnswerTruncated(ProviderError):
    """The answer was cut off at the token limit even with the larger budget."""


class ProviderMisconfigured(ProviderError):
    """Credentials, URL or settings are wrong; no retry helps."""


class AnalysisProvider(Protocol):
    """A source of task analyses."""

    name: str
    model: str

    async def analyse(self, request: AnalysisRequest) -> ProviderAnswer:
        """Produce one analysis; raise a ProviderError subclass on failure."""
        ...

    async def summarise(self, figures: dict[str, Any]) -> ProviderAnswer:
        """An executive summary of `figures` as `{"sentences": [...]}`; ProviderError on failure."""
        ...

    async def check(self) -> str:
        """Make one tiny call; return a one-line description of what answered."""
        ...
