"""The composition point: the configured analysis provider, its SDK imported only when used."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smarttask.adapters.llm.base import AnalysisProvider
    from smarttask.settings import AISettings


def build_provider(settings: AISettings) -> AnalysisProvider:
    """The provider SMARTTASK_AI_PROVIDER names (clients are created on first use)."""
    if settings.provider == "openai":
        from smarttask.adapters.llm.openai_provider import OpenAIProvider

        return OpenAIProvider(settings)
    if settings.provider == "gemini":
        from smarttask.adapters.llm.gemini_provider import GeminiProvider

        return GeminiProvider(settings)
    if settings.provider == "bedrock":
        from smarttask.adapters.llm.bedrock_provider import BedrockProvider

        return BedrockProvider(settings)
    from smarttask.adapters.llm.local import LocalAnalyser  # type: ignore[import-not-found,unused-ignore]

    provider: AnalysisProvider = LocalAnalyser(settings)
    return provider
