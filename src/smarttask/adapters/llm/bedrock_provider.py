"""Amazon Bedrock via boto3's Converse API (any Converse-capable model).

AWS credentials and region come the usual AWS way (environment, profile, role).
botocore's own retries are off (they ignore Retry-After); our helper retries. The
blocking boto3 call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from smarttask.adapters.llm._retry import parse_retry_after
from smarttask.adapters.llm._vendor import Completion, VendorProvider
from smarttask.adapters.llm.base import (
    ProviderError,
    ProviderMisconfigured,
    ProviderUnavailable,
)
from smarttask.adapters.llm.prompt import Prompt

_UNAVAILABLE = {
    "ThrottlingException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "TooManyRequestsException",
}
_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
}


class BedrockProvider(VendorProvider):
    """Converse with a system prompt demanding JSON; the text is parsed."""

    name = "bedrock"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client: Any = None
        self._client_lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        """The runtime endpoint (known once the client exists)."""
        if self.settings.base_url:
            return self.settings.base_url.rstrip("/")
        if self._client is not None:
            return str(self._client.meta.endpoint_url)
        return "bedrock-runtime (AWS region from the environment)"

    def _sdk(self) -> Any:
        with self._client_lock:
            if self._client is None:
                import boto3  # type: ignore[import-untyped]
                from botocore.config import Config  # type: ignore[import-untyped]
                from botocore.exceptions import NoRegionError  # type: ignore[import-untyped]

                config = Config(
                    connect_timeout=min(self.settings.timeout, 10.0),
                    read_timeout=self.settings.timeout,
                    retries={"total_max_attempts": 1, "mode": "standard"},
                )
                try:
                    self._client = boto3.session.Session().client(
                        "bedrock-runtime", endpoint_url=self.settings.base_url, config=config
                    )
                except NoRegionError as error:
                    raise ProviderMisconfigured(
                        "no AWS region is configured for bedrock: set AWS_DEFAULT_REGION (or "
                        "a region in the AWS profile)"
                    ) from error
            return self._client

    def _converse(self, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
        response: dict[str, Any] = self._sdk().converse(
            modelId=self.model,
            system=[{"text": prompt.system}],
            messages=[{"role": "user", "content": [{"text": prompt.user}]}],
            inferenceConfig={"maxTokens": max_tokens},
        )
        return response

    async def _complete(self, prompt: Prompt, max_tokens: int, *, check: bool) -> Completion:
        from botocore import exceptions as aws  # type: ignore[import-untyped]

        try:
            response = await asyncio.to_thread(self._converse, prompt, max_tokens)
        except aws.ClientError as error:
            raise self._translate(error.response) from error
        except (aws.ReadTimeoutError, aws.ConnectTimeoutError) as error:
            raise ProviderUnavailable(
                f"no answer from {self.endpoint} within {self.settings.timeout:g} s"
            ) from error
        except aws.EndpointConnectionError as error:
            raise ProviderUnavailable(
                f"cannot connect to {self.endpoint}: {self.safe(error)}"
            ) from error
        except aws.NoCredentialsError as error:
            raise ProviderMisconfigured(
                "no AWS credentials found for bedrock: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an IAM role"
            ) from error
        except aws.BotoCoreError as error:
            raise ProviderUnavailable(f"bedrock call failed: {self.safe(error)}") from error
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        usage = response.get("usage", {})
        return Completion(
            text="".join(str(block.get("text", "")) for block in blocks),
            truncated=response.get("stopReason") == "max_tokens",
            input_tokens=int(usage.get("inputTokens", 0)),
            output_tokens=int(usage.get("outputTokens", 0)),
            model=self.model,
        )

    def _translate(self, response: dict[str, Any]) -> ProviderError:
        code = str(response.get("Error", {}).get("Code", ""))
        detail = self.safe(response.get("Error", {}).get("Message", code))
        metadata = response.get("ResponseMetadata", {})
        status = int(metadata.get("HTTPStatusCode", 0))
        if code in _UNAVAILABLE or status == 429 or status >= 500:
            retry_after = parse_retry_after(metadata.get("HTTPHeaders"))
            return ProviderUnavailable(
                f"{code or 'error'} ({status}) at {self.endpoint}: {detail}",
                retry_after=retry_after,
            )
        if code in _CREDENTIALS:
            return ProviderMisconfigured(
                f"AWS refused the credentials ({code}): {detail}; check the AWS credentials"
            )
        lowered = detail.lower()
        if code == "ResourceNotFoundException" or (
            code == "ValidationException"
            and "model" in lowered
            and any(w in lowered for w in ("identifier is invalid", "not found", "isn't supported"))
        ):
            return self.model_not_found(detail)
        if code == "AccessDeniedException":
            return ProviderMisconfigured(
                f"AWS denied access ({code}): {detail}; grant bedrock:InvokeModel and enable "
                f"access to model '{self.model}' in the Bedrock console"
            )
        return ProviderError(f"bedrock refused the request ({code} {status}): {detail}")
