"""OpenAPI declarations of the problem+json answers, so clients and fuzzers know them."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field


class ValidationIssue(BaseModel):
    """One invalid part of a request."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None
    errors: list[ValidationIssue] | None = Field(default=None)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry declaring these problem answers of an operation.

    No `model`: FastAPI would build a pydantic validator for each (route, status), once
    per app, only to name `Problem` in the document. kit/openapi_problems.py gives every
    problem answer the shared `Problem` schema instead.
    """
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {"application/problem+json": {}},
        }
        for status in statuses
    }
