"""What the three vendor providers share: truncation retry, JSON parsing, safe messages."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smarttask.adapters.llm._retry import total_deadline, with_retries
from smarttask.adapters.llm.base import (
    AnalysisRequest,
    AnswerTruncated,
    ModelNotFound,
    ProviderAnswer,
)
from smarttask.adapters.llm.prompt import Prompt, build_prompt, check_prompt
from smarttask.adapters.llm.redaction import SECRET, redact
from smarttask.adapters.llm.summary import summary_prompt

if TYPE_CHECKING:
    from smarttask.settings import AISettings

MAX_BUDGET = 32_768
CHECK_TOKENS = 16
_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Completion:
    """One vendor answer, reduced to what the providers share."""

    text: str
    truncated: bool
    input_tokens: int
    output_tokens: int
    model: str


def parse_json_answer(text: str) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """The JSON object in `text`, after a light repair (code fences, prose around it)."""
    candidates: list[tuple[str, str | None]] = [(text, None)]
    fenced = _FENCE.match(text)
    if fenced:
        candidates.append((fenced[1], "the answer was wrapped in a code fence"))
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append((text[start : end + 1], "text around the JSON object was dropped"))
    for candidate, note in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value, (note,) if note else ()
    return None, ("the answer is not a JSON object",)


class VendorProvider(ABC):
    """An analysis provider backed by a vendor API; subclasses make the call."""

    name: str = "vendor"

    def __init__(self, settings: AISettings) -> None:
        self.settings = settings
        self.model = settings.model

    @property
    @abstractmethod
    def endpoint(self) -> str:
        """Where the calls go, for messages (never holds a credential)."""

    @abstractmethod
    async def _complete(self, prompt: Prompt, max_tokens: int, *, check: bool) -> Completion:
        """One call, no retry (the SDK's own retries are off); errors already translated."""

    def safe(self, text: object) -> str:
        """A vendor message made safe to store and show: redacted, no API key, short."""
        message = str(text)
        if self.settings.api_key:
            message = message.replace(self.settings.api_key, SECRET)
        message = redact(message)
        return message if len(message) <= 300 else message[:297] + "..."

    def model_not_found(self, detail: object) -> ModelNotFound:
        """The error for an unknown model, naming the model and the provider."""
        return ModelNotFound(
            f"model '{self.model}' is not available at provider '{self.name}' "
            f"({self.safe(detail)}); check SMARTTASK_AI_MODEL"
        )

    async def _complete_with_retries(self, prompt: Prompt, max_tokens: int) -> Completion:
        return await with_retries(
            lambda: self._complete(prompt, max_tokens, check=False),
            max_retries=self.settings.max_retries,
            deadline=total_deadline(self.settings.timeout, self.settings.max_retries),
        )

    async def analyse(self, request: AnalysisRequest) -> ProviderAnswer:
        """Produce one analysis; a truncated answer is retried once with double the budget."""
        prompt = build_prompt(request)
        budget = self.settings.max_output_tokens
        completion = await self._complete_with_retries(prompt, budget)
        notes = list(prompt.notes)
        input_tokens, output_tokens = completion.input_tokens, completion.output_tokens
        if completion.truncated:
            larger = min(budget * 2, MAX_BUDGET)
            completion = await self._complete_with_retries(prompt, larger)
            input_tokens += completion.input_tokens
            output_tokens += completion.output_tokens
            if completion.truncated:
                raise AnswerTruncated(
                    f"the answer of model '{self.model}' at provider '{self.name}' was cut off "
                    f"at the output token limit twice ({budget}, then {larger} tokens); raise "
                    f"SMARTTASK_AI_MAX_OUTPUT_TOKENS (now {budget}) or shorten the task",
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                )
            notes.append(f"the first answer was cut off at {budget} tokens; retried with {larger}")
        data, parse_notes = parse_json_answer(completion.text)
        return ProviderAnswer(
            data=data,
            raw_text=completion.text,
            model=completion.model or self.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            notes=(*notes, *parse_notes),
        )

    async def summarise(self, figures: dict[str, Any]) -> ProviderAnswer:
        """An executive summary of `figures`, in one call (with the usual retries)."""
        completion = await self._complete_with_retries(
            summary_prompt(figures), self.settings.max_output_tokens
        )
        data, notes = parse_json_answer(completion.text)
        return ProviderAnswer(
            data=data,
            raw_text=completion.text,
            model=completion.model or self.model,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            notes=notes,
        )

    async def check(self) -> str:
        """Make one tiny call without retries; describe what answered."""
        completion = await self._complete(check_prompt(), CHECK_TOKENS, check=True)
        return (
            f"provider '{self.name}', model '{completion.model or self.model}' at "
            f"{self.endpoint} answered ({completion.input_tokens} input + "
            f"{completion.output_tokens} output tokens)"
        )
