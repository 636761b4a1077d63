"""Form values through the API's own request schemas: the same rules, the same messages.

A page's form is checked by the schema the API route checks its JSON body with (unknown
fields, NUL bytes, lengths, formats); a refusal is the API's 422, whose `errors` the page
shows beside each field (`field_errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from smarttask.kit.problems import ProblemError, ValidationFailed

Schema = TypeVar("Schema", bound=BaseModel)

INVALID = "Please correct the fields marked below."


def parse(schema: type[Schema], values: Mapping[str, Any]) -> Schema:
    """The values validated by the schema, else a 422 with one error per field."""
    try:
        return schema.model_validate(dict(values))
    except ValidationError as error:
        raise ValidationFailed(
            INVALID,
            errors=[
                {
                    "loc": ["body", *(str(part) for part in item["loc"])],
                    "msg": str(item["msg"]),
                    "type": str(item["type"]),
                }
                for item in error.errors()[:50]
            ],
        ) from error


def field_errors(problem: ProblemError) -> dict[str, str]:
    """A refusal's message for each field it names (the first one per field)."""
    found: dict[str, str] = {}
    for error in problem.errors or ():
        loc = [part for part in error.get("loc", ()) if part != "body"]
        name = str(loc[0]) if loc else "__all__"
        found.setdefault(name, str(error.get("msg", "invalid")))
    return found
