"""Google Gemini via the google-genai SDK (Gemini Developer API, JSON output).

The SDK's own retry does not honour Retry-After, so it is left off and our helper retries.
"""

from __future__ import annotations

import re
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
    from google.genai import Client

GEMINI_URL = "https://generativelanguage.googleapis.com"
_DELAY = re.compile(r"^(\d+(?:\.\d+)?)s$")


def _retry_delay(details: Any) -> float | None:
    """google.rpc.RetryInfo's retryDelay ("27s") from an error body."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for detail in error.get("details", []) if isinstance(error, dict) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            match = _DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match[1])
    return None


class GeminiProvider(VendorProvider):
    """generateContent with response_mime_type application/json."""

    name = "gemini"

    _client: Client | None = None

    @property
    def endpoint(self) -> str:
        """The API base URL."""
        return (self.settings.base_url or GEMINI_URL).rstrip("/")

    def _sdk(self) -> Client:
        if self._client is None:
            from google import genai
            from google.genai import types

            if not self.settings.api_key:
                raise ProviderMisconfigured(
                    "SMARTTASK_AI_API_KEY is not set: the gemini provider needs a Gemini API key "
                    "(https://aistudio.google.com/apikey)"
                )
            options = types.HttpOptions(
                base_url=self.settings.base_url,
                timeout=max(1, int(self.settings.timeout * 1000)),  # milliseconds
            )
            self._client = genai.Client(
                api_key=self.settings.api_key, vertexai=False, http_options=options
            )
        return self._client

    async def _complete(self, prompt: Prompt, max_tokens: int, *, check: bool) -> Completion:
        import httpx
        from google.genai import errors, types

        config = types.GenerateContentConfig(
            system_instruction=prompt.system,
            max_output_tokens=max_tokens,
            response_mime_type="application/json",
        )
        try:
            response = await self._sdk().aio.models.generate_content(
                model=self.model, contents=prompt.user, config=config
            )
        except errors.APIError as error:
            raise self._translate(error) from error
        except httpx.TimeoutException as error:
            raise ProviderUnavailable(
                f"no answer from {self.endpoint} within {self.settings.timeout:g} s"
            ) from error
        except httpx.TransportError as error:
            raise ProviderUnavailable(
                f"cannot connect to {self.endpoint}: {self.safe(error)}"
            ) from error
        candidate = response.candidates[0] if response.candidates else None
        if candidate is None:
            feedback = response.prompt_feedback
            reason = feedback.block_reason if feedback else None
            raise ProviderError(f"the provider answered nothing (blocked: {reason or 'unknown'})")
        parts = candidate.content.parts if candidate.content and candidate.content.parts else []
        usage = response.usage_metadata
        return Completion(
            text="".join(part.text or "" for part in parts if not part.thought),
            truncated=candidate.finish_reason == types.FinishReason.MAX_TOKENS,
            input_tokens=(usage.prompt_token_count or 0) if usage else 0,
            output_tokens=(
                (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
                if usage
                else 0
            ),
            model=response.model_version or self.model,
        )

    def _translate(self, error: Any) -> ProviderError:
        status = int(error.code or 0)
        detail = self.safe(error.message or error.status or error)
        if status == 429 or status >= 500:
            headers = getattr(error.response, "headers", None)
            retry_after = parse_retry_after(dict(headers) if headers else None)
            if retry_after is None:
                retry_after = _retry_delay(error.details)
            what = "rate limited" if status == 429 else "server error"
            return ProviderUnavailable(
                f"{what} ({status} {error.status}) at {self.endpoint}: {detail}",
                retry_after=retry_after,
            )
        if status in {401, 403} or (status == 400 and "api key" in detail.lower()):
            return ProviderMisconfigured(
                f"the provider refused the API key ({status}): {detail}; check SMARTTASK_AI_API_KEY"
            )
        if status == 404:
            return self.model_not_found(detail)
        return ProviderError(f"the provider refused the request ({status}): {detail}")
