"""InputSchema's own checks: NUL bytes at any depth, JSON types, timestamp range, floods."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import Field, ValidationError

from smarttask.kit.schemas import MAX_UNKNOWN_FIELDS, InputSchema


class Sample(InputSchema):
    """A body with one field of each kind the app uses."""

    name: str = "x"
    count: int | None = Field(default=None, ge=0)
    ratio: float = 0.0
    flag: bool | None = None
    at: datetime | None = None
    tags: list[str] = Field(default_factory=list, max_length=3)
    anything: Any = None


def error_types(data: Any) -> list[str]:
    """The error types of validating `data` as a Sample (empty when it is valid)."""
    try:
        Sample.model_validate(data)
    except ValidationError as error:
        return [e["type"] for e in error.errors()]
    return []


def nested(depth: int, leaf: Any) -> Any:
    """`leaf` inside `depth` levels of single-item lists."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("leaf", ["a\x00", {"k\x00": 1}])
def test_nul_bytes_are_found_below_any_depth_without_recursion(leaf: Any) -> None:
    # 100,000 levels: far deeper than the stack allows recursion (was a RecursionError).
    assert error_types({"anything": nested(100_000, leaf)}) == ["value_error"]


def test_deep_values_without_nul_pass_the_nul_check() -> None:
    assert error_types({"anything": nested(100_000, "fine")}) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", True),
        ("count", "5"),
        ("count", 5.0),
        ("ratio", "0.5"),
        ("ratio", False),
        ("flag", 1),
        ("flag", "true"),
        ("at", 0),
        ("at", 1.5e9),
        ("name", 5),
        ("tags", "a"),
        ("tags", {"a": 1}),
    ],
)
def test_a_json_value_of_another_type_is_refused(field: str, value: Any) -> None:
    assert error_types({field: value}) == ["json_type"]


@pytest.mark.parametrize(
    "data",
    [
        {"count": 5, "ratio": 1, "flag": False, "at": "2030-01-01T00:00:00Z"},
        {"count": None, "flag": None, "at": None, "anything": [1, "a", {"b": None}]},
        {"at": datetime(2030, 1, 1, tzinfo=UTC)},  # built by code, not parsed from JSON
    ],
)
def test_values_of_the_declared_types_pass(data: dict[str, Any]) -> None:
    assert error_types(data) == []


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_timestamps_beyond_the_utc_range_are_refused(at: str) -> None:
    assert error_types({"at": at}) == ["datetime_out_of_range"]


def test_the_ends_of_the_utc_range_pass() -> None:
    assert error_types({"at": "0001-01-01T00:00:00Z"}) == []
    assert error_types({"at": "9999-12-31T23:59:59Z"}) == []


def test_a_flood_of_unknown_fields_is_one_error() -> None:
    few = {f"k{i}": 0 for i in range(MAX_UNKNOWN_FIELDS)}
    assert error_types(few) == ["extra_forbidden"] * MAX_UNKNOWN_FIELDS
    flood = {f"k{i}": 0 for i in range(100_000)}
    assert error_types(flood) == ["extra_forbidden"]


def test_an_array_over_its_bound_is_refused_before_its_items() -> None:
    assert error_types({"tags": [0] * 1_000_000}) == ["too_long"]
    assert error_types({"tags": ["a", "b", "c"]}) == []
