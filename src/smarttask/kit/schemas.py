"""Base classes for request and response bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(item) for item in value)
    return False


class InputSchema(BaseModel):
    """A request body: unknown fields and NUL bytes are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul_bytes(cls, data: Any) -> Any:
        if _contains_nul(data):
            raise ValueError("strings must not contain NUL bytes")
        return data


class OutputSchema(BaseModel):
    """A response body read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)
