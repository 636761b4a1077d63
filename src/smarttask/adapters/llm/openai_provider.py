"""OpenAI and every OpenAI-compatible server (Groq, Ollama, vLLM, ...) via the openai SDK.

The SDK's own retry is off: it would sleep up to two minutes on a long Retry-After
inside a job. Our helper retries 408/409/429/5xx, timeouts and connection errors,
honours Retry-After up to 20 s and leaves longer waits to the job runner, exactly as
for the other vendors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smarttask.adapters.llm._retry import parse_retry_after
from smarttask.adapters.llm._vendor import Completion, VendorProvider
from smarttask.adapters.llm.base import (
    ProviderError,
    ProviderMisconfigured,
    ProviderUnavailable,
)
from smarttask.adapters.llm.prompt import Prompt

if TYPE_CHECKING:
    from openai import AsyncOpenAI

OPENAI_URL = "https://api.openai.com/v1"
_UNKNOWN_WORDS = ("not found", "does not exist", "not exist", "unknown", "invalid model", "no such")


class OpenAIProvider(VendorProvider):
    """Chat completions in JSON mode."""

    name = "openai"

    _client: AsyncOpenAI | None = None

    @property
    def endpoint(self) -> str:
        """The API base URL."""
        return (self.settings.base_url or OPENAI_URL).rstrip("/")

    def _sdk(self) -> AsyncOpenAI:
        if self._client is None:
            from openai import AsyncOpenAI

            key = self.settings.api_key
            if not key:
                if self.settings.base_url is None:
                    raise ProviderMisconfigured(
                        "SMARTTASK_AI_API_KEY is not set: the openai provider needs an API key "
                        "(a self-hosted server such as Ollama needs none: set "
                        "SMARTTASK_AI_BASE_URL to it)"
                    )
                key = "not-needed"  # the SDK insists on one; Ollama and vLLM ignore it
            self._client = AsyncOpenAI(
                api_key=key,
                base_url=self.endpoint,
                timeout=self.settings.timeout,
                max_retries=0,
            )
        return self._client

    async def _complete(self, prompt: Prompt, max_tokens: int, *, check: bool) -> Completion:
        import openai

        client = self._sdk()
        # api.openai.com's newer models refuse max_tokens; compatible servers know only it.
        budget_field = "max_completion_tokens" if self.endpoint == OPENAI_URL else "max_tokens"
        budget: dict[str, Any] = {budget_field: max_tokens}
        try:
            response = await client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.user},
                ],
                response_format={"type": "json_object"},
                **budget,
            )
        except openai.APIError as error:
            raise self._translate(error) from error
        if not response.choices:
            raise ProviderUnavailable(f"{self.endpoint} answered without any choice")
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            truncated=choice.finish_reason == "length",
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            model=response.model or self.model,
        )

    def _translate(self, error: Exception) -> ProviderError:
        import openai

        if isinstance(error, openai.APITimeoutError):
            return ProviderUnavailable(
                f"no answer from {self.endpoint} within {self.settings.timeout:g} s"
            )
        if isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error
            return ProviderUnavailable(f"cannot connect to {self.endpoint}: {self.safe(cause)}")
        if not isinstance(error, openai.APIStatusError):
            return ProviderError(f"the provider answered something unexpected: {self.safe(error)}")
        status, detail = error.status_code, self.safe(getattr(error, "message", error))
        code = str(getattr(error, "code", "") or "")
        if status == 429 and code == "insufficient_quota":
            return ProviderMisconfigured(f"the account has no quota left (429): {detail}")
        if status in {408, 409, 429} or status >= 500:
            retry_after = parse_retry_after(error.response.headers)
            what = "rate limited" if status == 429 else "server error"
            return ProviderUnavailable(
                f"{what} ({status}) at {self.endpoint}: {detail}", retry_after=retry_after
            )
        if status in {401, 403}:
            return ProviderMisconfigured(
                f"the provider refused the API key ({status}): {detail}; check SMARTTASK_AI_API_KEY"
            )
        lowered = detail.lower()
        unknown = "model" in lowered and any(word in lowered for word in _UNKNOWN_WORDS)
        if code == "model_not_found" or (status in {400, 404} and unknown):
            return self.model_not_found(detail)
        if status == 404:
            return ProviderMisconfigured(
                f"{self.endpoint} has no chat completions endpoint (404); check "
                "SMARTTASK_AI_BASE_URL (it usually ends in /v1)"
            )
        return ProviderError(f"the provider refused the request ({status}): {detail}")
