"""Base classes for request and response bodies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.errors import PydanticInvalidForJsonSchema, PydanticUserError
from pydantic_core import PydanticCustomError

# The JSON type of a value json.loads produced; bool before int, as bool is an int.
_JSON_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)
Kinds = frozenset[str] | None  # None: any JSON type
MAX_UNKNOWN_FIELDS = 20  # beyond this many, unknown fields are refused as one error
_FIELD_RULES: dict[type[BaseModel], dict[str, _FieldRule]] = {}
_TIMESTAMP_FIELDS: dict[type[BaseModel], frozenset[str]] = {}
# RFC 3339 date-time, as the OpenAPI `date-time` format says: date, time and offset.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")


def rfc3339(value: Any) -> Any:
    """Refuse a string that is not an RFC 3339 timestamp (before pydantic parses it).

    Pydantic alone also takes "0.5" or "1700000000" as seconds since 1970 and "2026-11-22"
    as its midnight, none of which the documented `date-time` format admits.
    """
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise PydanticCustomError(
            "datetime_format",
            "Input should be an RFC 3339 timestamp such as 2026-11-22T10:00:00Z",
        )
    return value


def in_utc_range(value: Any) -> Any:
    """Refuse an aware timestamp that has no UTC equivalent (9999-12-31T23:59:59-00:01)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise PydanticCustomError(
                "datetime_out_of_range", "Timestamp is out of range in UTC"
            ) from None
    return value


# A timestamp query parameter (bodies of InputSchema get the same checks by themselves).
Timestamp = Annotated[datetime, BeforeValidator(rfc3339), AfterValidator(in_utc_range)]


def _mentions_datetime(annotation: Any) -> bool:
    if annotation is datetime:
        return True
    return any(_mentions_datetime(arg) for arg in get_args(annotation))


def _contains_nul(value: Any) -> bool:
    """Whether a NUL byte is in any string or key of a parsed JSON value, at any depth.

    A loop, not recursion: a body nested as deep as the JSON parser allows must not
    exhaust the stack here (that was a 500). Exact types, as json.loads makes them;
    scalars in containers are looked at in place, not pushed (a 10^6-item array).
    """
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            for key in item:
                if "\x00" in key:
                    return True
            item = item.values()
        elif kind is str:
            if "\x00" in item:
                return True
            continue
        elif kind is not list and kind is not tuple:
            continue
        for element in item:
            kind = type(element)
            if kind is str:
                if "\x00" in element:
                    return True
            elif kind is dict or kind is list or kind is tuple:
                pending.append(element)
    return False


def _json_kind(value: Any) -> str | None:
    """The JSON type of a parsed value; None for a Python object built by code."""
    if value is None:
        return "null"
    for kind, name in _JSON_KINDS:
        if isinstance(value, kind):
            return name
    return None


def _kinds(schema: dict[str, Any], defs: dict[str, Any]) -> Kinds:
    """The JSON types a JSON schema admits; None when it does not say."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        schema = defs.get(ref.rsplit("/", 1)[-1], {})
    for union in ("anyOf", "oneOf"):
        if union in schema:
            parts = [_kinds(part, defs) for part in schema[union]]
            if any(part is None for part in parts):
                return None
            return frozenset().union(*(part for part in parts if part is not None))
    declared = schema.get("type")
    if declared is None:
        return None
    kinds = frozenset([declared] if isinstance(declared, str) else declared)
    return kinds | {"integer"} if "number" in kinds else kinds


def _max_items(schema: dict[str, Any], defs: dict[str, Any]) -> int | None:
    """The most items any array the schema admits may hold; None when unbounded."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        schema = defs.get(ref.rsplit("/", 1)[-1], {})
    parts = schema.get("anyOf") or schema.get("oneOf") or [schema]
    bounds = [part.get("maxItems") for part in parts if part.get("type") == "array"]
    if not bounds or any(not isinstance(bound, int) for bound in bounds):
        return None
    return max(int(bound) for bound in bounds)


@dataclass(frozen=True, slots=True)
class _FieldRule:
    """What a field's JSON schema says before pydantic looks at the value."""

    kinds: Kinds
    max_items: int | None


def _describe(kinds: frozenset[str]) -> str:
    names = {"null": "null", "integer": "an integer", "number": "a number", "array": "an array"}
    return " or ".join(sorted(names.get(kind, f"a {kind}") for kind in kinds))


class InputSchema(BaseModel):
    """A request body: unknown fields and NUL bytes are refused, and every field takes only
    the JSON types its schema declares (no `true` for an integer, no `"5"` for a number, no
    number for a timestamp: pydantic's lax mode would convert those)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul_bytes_and_key_floods(cls, data: Any) -> Any:
        if _contains_nul(data):
            raise ValueError("strings must not contain NUL bytes")
        if isinstance(data, dict) and len(data) > len(cls.model_fields) + MAX_UNKNOWN_FIELDS:
            # One error, not one per key: pydantic builds every error at a cost, so a 1 MB
            # body of unknown keys was slow to refuse (docs/reliability.md, body fuzz).
            raise PydanticCustomError(
                "extra_forbidden",
                "Extra inputs are not permitted ({count} fields where at most {allowed} exist)",
                {"count": len(data), "allowed": len(cls.model_fields)},
            )
        return data

    @classmethod
    def _rule_of(cls, field: str) -> _FieldRule | None:
        """A field's rule, read once per class from its JSON schema."""
        rules = _FIELD_RULES.get(cls)
        if rules is None:
            try:
                schema = cls.model_json_schema()
            except (PydanticInvalidForJsonSchema, PydanticUserError):
                schema = {}
            defs, properties = schema.get("$defs", {}), schema.get("properties", {})
            rules = {}
            for name, info in cls.model_fields.items():
                field_schema = properties.get(info.alias or name, {})
                rules[name] = _FieldRule(_kinds(field_schema, defs), _max_items(field_schema, defs))
            _FIELD_RULES[cls] = rules
        return rules.get(field)

    @field_validator("*", mode="before")
    @classmethod
    def _json_type_matches(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _json_kind(value)
        rule = None if kind is None or info.field_name is None else cls._rule_of(info.field_name)
        if rule is None:
            return value
        if rule.kinds is not None and kind not in rule.kinds:
            raise PydanticCustomError(
                "json_type",
                "Input should be {expected}, not a JSON {kind}",
                {"expected": _describe(rule.kinds), "kind": kind},
            )
        if rule.max_items is not None and kind == "array" and len(value) > rule.max_items:
            # Refused before pydantic validates (and builds an error for) every item: a
            # 1 MB array of wrong items was slow to refuse (docs/reliability.md, body fuzz).
            raise PydanticCustomError(
                "too_long",
                "List should have at most {max_length} items, not {actual_length}",
                {"max_length": rule.max_items, "actual_length": len(value)},
            )
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _timestamps_are_rfc3339(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or info.field_name is None:
            return value
        fields = _TIMESTAMP_FIELDS.get(cls)
        if fields is None:
            fields = frozenset(
                name
                for name, field in cls.model_fields.items()
                if _mentions_datetime(field.annotation)
            )
            _TIMESTAMP_FIELDS[cls] = fields
        return rfc3339(value) if info.field_name in fields else value

    @field_validator("*", mode="after")
    @classmethod
    def _timestamps_in_range(cls, value: Any) -> Any:
        return in_utc_range(value)


class OutputSchema(BaseModel):
    """A response body read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)
