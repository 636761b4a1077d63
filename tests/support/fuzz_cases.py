"""Bad bodies for the body fuzz, built from an operation's JSON schema with a fixed seed, and
the oracle that says which of them docs/api.md forces the app to refuse.

A case is raw bytes plus headers. What the app must answer is decided here, independently of
pydantic: transport refusals (413, 415) by construction, then the bytes are parsed with the
same stdlib parser the app uses (unparsable: 422) and the parsed value is checked against the
operation's published JSON schema plus the API's text rules (no NUL, no lone surrogate,
RFC 3339 timestamps). A violation makes the case must-reject (exactly 422); anything else is
may-accept (2xx, or a 4xx the service decides, never a 5xx).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from typing import Any

Schema = dict[str, Any]
MILLION = 1_000_000


@dataclass(frozen=True)
class Raw:
    """JSON text spliced in as is (NaN, 1e309, a 5,000-digit integer...)."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """A JSON object written with these key/value pairs in this order (duplicates allowed)."""

    items: tuple[tuple[str, Any], ...]


def dumps(value: Any) -> str:
    """JSON text of a value that may hold Raw and Pairs (lone surrogates are escaped)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in value.items) + "}"
    if isinstance(value, dict):
        return dumps(Pairs(tuple(value.items())))
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return json.dumps(value)


@dataclass
class Case:
    """One request: its category, a label, the body bytes and headers, what must happen."""

    category: str
    label: str
    raw: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    expect: int | None = None  # a status forced by the transport (413, 415), else decided
    chunked: bool = False
    parsed: Any = None
    reason: str | None = None  # why it must be refused; None: may-accept

    @property
    def must_reject(self) -> bool:
        """Whether the API's rules leave the app no choice but to refuse it."""
        return self.expect is not None or self.reason is not None

    @property
    def expected(self) -> int | None:
        """The status a must-reject case must get."""
        return self.expect if self.expect is not None else (422 if self.reason else None)


def classify(case: Case, schema: Schema, defs: Schema) -> Case:
    """Parse the body as the app does and decide must-reject or may-accept."""
    if case.expect is not None or case.reason is not None:
        return case  # refused by construction (a transport status, or a megabyte body)
    if not case.raw:
        case.reason = "empty body"
        return case
    try:
        case.parsed = json.loads(case.raw)
    except (ValueError, RecursionError) as error:
        case.reason = f"unparsable: {type(error).__name__}"
        return case
    case.reason = violation(case.parsed, schema, defs)
    return case


# --- the oracle ----------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$"
)


def json_kind(value: Any) -> str:
    """The JSON type of a parsed value."""
    if value is None:
        return "null"
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if isinstance(value, kind):
            return name
    return "array" if isinstance(value, list) else "object"


def resolve(schema: Schema, defs: Schema) -> Schema:
    """The schema a $ref points to."""
    ref = schema.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else schema


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_violation(value: str, schema: Schema) -> str | None:
    if "\x00" in value:
        return "NUL byte"
    if _SURROGATE.search(value):
        return "lone surrogate"
    if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", math.inf):
        return "length"
    pattern = schema.get("pattern")
    if pattern is not None and not re.search(pattern, value):
        return "pattern"
    if schema.get("format") == "date-time":
        match = _RFC3339.match(value)
        if match is None:
            return "not RFC 3339"
        day, time, fraction, offset = match.groups()
        offset = "+00:00" if offset in ("Z", "z") else offset
        try:  # any number of fraction digits is RFC 3339; Python reads six
            datetime.fromisoformat(f"{day}T{time}.{(fraction or '0')[:6]:0<6}{offset}").astimezone(
                UTC
            )
        except (ValueError, OverflowError):
            return "impossible or out-of-range timestamp"
    return None


def _number_violation(value: float, schema: Schema) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return "not finite"
    if value < schema.get("minimum", -math.inf) or value > schema.get("maximum", math.inf):
        return "out of range"
    if value <= schema.get("exclusiveMinimum", -math.inf):
        return "out of range"
    if value >= schema.get("exclusiveMaximum", math.inf):
        return "out of range"
    return None


def violation(value: Any, schema: Schema, defs: Schema) -> str | None:
    """Why a parsed JSON value breaks the schema or the API's text rules; None if not."""
    schema = resolve(schema, defs)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            reasons = [violation(value, part, defs) for part in schema[union]]
            return None if None in reasons else reasons[0]
    kind = json_kind(value)
    declared = schema.get("type")
    if declared is not None:
        allowed = {declared} if isinstance(declared, str) else set(declared)
        if "number" in allowed:
            allowed.add("integer")
        if kind not in allowed:
            return f"{kind} where {'/'.join(sorted(allowed))} is expected"
    if "enum" in schema and (kind != "string" or value not in schema["enum"]):
        return "not in enum"
    if kind == "string":
        return _text_violation(value, schema)
    if kind in ("integer", "number"):
        return _number_violation(value, schema)
    if kind == "array":
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", math.inf):
            return "item count"
        items = schema.get("items", {})
        return next((r for r in (violation(i, items, defs) for i in value) if r), None)
    if kind == "object":
        return _object_violation(value, schema, defs)
    return None


def _object_violation(value: dict[str, Any], schema: Schema, defs: Schema) -> str | None:
    properties = schema.get("properties", {})
    if any(name not in value for name in schema.get("required", ())):
        return "required field missing"
    for key, item in value.items():
        if "\x00" in key or _SURROGATE.search(key):
            return "bad key"
        if key not in properties:
            if schema.get("additionalProperties", True) is False:
                return f"unknown field {key[:20]!r}"
            continue
        reason = violation(item, properties[key], defs)
        if reason is not None:
            return f"{key}: {reason}"
    return None


# --- value pools ---------------------------------------------------------------------------

# Tricky but legal text: the API forbids only NUL (and JSON forbids lone surrogates).
UNICODE = [
    "\u202eevil\u202c right-to-left override",
    "\u200b\u200c\u200d\u2060 zero-width",
    "e\u0301 n\u0303 a\u030a combining",
    "Z" + "\u0336\u0337\u0338\u0301\u0302" * 10,
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family",
    "\U0001d54f\U0001d552\U0001d55e astral",
    "日本語のタスク",
    "مهمة عربية with English",
    "line\u2028separator\u2029paragraph",
    "\uff26\uff35\uff2c\uff2c\uff37\uff29\uff24\uff34\uff28 fullwidth",
    "p\u0430ypal homoglyph",
    "\ufffe\uffff noncharacters",
    "\ue000\U000f0000 private use",
    "ctrl \x01\x07\x1b[31m\x7f\x85\x9b",
    "\ufeffBOM first",
    "\U000e0041\U000e0042 tag characters",
    "1\ufe0f\u20e3 keycap",
    "\u0301 leading combining mark",
    "\u01c5 \u00df \ufb01 \u0130 \u0131 case folding",
    "\u2126 \u03a9 ohm and omega",
    "\\u0000 written out, not a NUL",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00 %s %n {0} ${x} {{7*7}}",
    "../../etc/passwd",
    "header\r\nX-Injected: 1",
    " padded\t",
    "\u3000\u00a0",
]
SURROGATES = ["\ud800", "a\udfffb", "\udc00\ud800", "\udbff"]
# Raw number literals that Python's parser reads (or refuses) and JSON encoders never write.
SPECIAL_NUMBERS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-1e309",
    str(2**64),
    str(-(2**63) - 1),
    str(2**53 + 1),
    "1" + "0" * 4000,
    "9" * 5000,
    "1.0",
    "-0",
    "1e-400",
]
WRONG_VALUES: dict[str, list[Any]] = {
    "string": ["1", "", "true", "null"],
    "integer": [1, 0, -1],
    "number": [1.5, -0.5],
    "boolean": [True, False],
    "null": [None],
    "array": [[], ["a"]],
    "object": [{}, {"a": 1}],
}
TIMESTAMPS = [
    "2030-01-01T00:00:00Z",
    "2030-01-01T00:00:00.123456+14:00",
    "2000-02-29T12:00:00-12:00",
    "2030-01-01T00:00:00",
    "2030-02-30T00:00:00Z",
    "2030-13-01T00:00:00Z",
    "2030-01-01T25:00:00Z",
    "2030-06-30T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "now",
    "2030-01-01T00:00:00.1234567890Z",
    "2030-01-01 00:00:00Z",
    "20300101T000000Z",
]
MASS_ASSIGNMENT = {
    "id": "00000000-0000-4000-8000-000000000001",
    "role": "owner",
    "is_admin": True,
    "is_active": False,
    "workspace_id": "00000000-0000-4000-8000-000000000002",
    "project_id": "00000000-0000-4000-8000-000000000003",
    "user_id": "00000000-0000-4000-8000-000000000004",
    "owner_id": "00000000-0000-4000-8000-000000000005",
    "author_id": "00000000-0000-4000-8000-000000000006",
    "reporter_id": "00000000-0000-4000-8000-000000000007",
    "uploader_id": "00000000-0000-4000-8000-000000000008",
    "version": 99,
    "number": 99,
    "task_counter": 0,
    "created_at": "2000-01-01T00:00:00Z",
    "deleted_at": None,
    "password_hash": "$argon2id$forged",
    "totp_secret": "JBSWY3DPEHPK3PXP",
    "totp_enabled": True,
    "token_hash": "0" * 64,
    "storage_key": "../../x",
    "status": "ready",
}
CONTENT_TYPES_REFUSED = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/octet-stream",
    "text/json",
    None,
]
CONTENT_TYPES_JSON = ["application/json; charset=utf-8", "APPLICATION/JSON", "application/x+json"]


# --- generation ----------------------------------------------------------------------------


@dataclass
class Profile:
    """How many cases: `ci` keeps a few per field and category, `full` keeps them all."""

    name: str
    per_field: int  # cases kept per (field, category); 0: all
    random_strings: int  # extra seeded random strings per string field
    heavy_share: float  # share of operations that get the megabyte-sized cases

    @classmethod
    def named(cls, name: str) -> Profile:
        """The profile of SMARTTASK_RELIABILITY_PROFILE."""
        if name == "full":
            return cls("full", 0, 25, 1.0)
        return cls("ci", 2, 0, 0.25)


@dataclass
class Operation:
    """A body operation: its route, its body's JSON schema, a valid body factory."""

    method: str
    path: str
    schema: Schema
    defs: Schema
    base: Callable[[], dict[str, Any]]

    @property
    def name(self) -> str:
        """`METHOD /path`."""
        return f"{self.method} {self.path}"


def _merged(base: Callable[[], dict[str, Any]], name: str, value: Any) -> dict[str, Any]:
    """A fresh base body with one field set (a fresh base: unique fields never collide)."""
    return base() | {name: value}


def _kinds(schema: Schema, defs: Schema) -> set[str]:
    schema = resolve(schema, defs)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return set().union(*(_kinds(part, defs) for part in schema[union]))
    declared = schema.get("type", [])
    kinds = {declared} if isinstance(declared, str) else set(declared)
    return kinds | {"integer"} if "number" in kinds else kinds


def _string_part(schema: Schema, defs: Schema) -> Schema | None:
    schema = resolve(schema, defs)
    parts = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return next((resolve(p, defs) for p in parts if resolve(p, defs).get("type") == "string"), None)


def _array_part(schema: Schema, defs: Schema) -> Schema | None:
    schema = resolve(schema, defs)
    parts = schema.get("anyOf") or [schema]
    return next((p for p in parts if p.get("type") == "array"), None)


def _number_part(schema: Schema, defs: Schema) -> Schema | None:
    schema = resolve(schema, defs)
    parts = schema.get("anyOf") or [schema]
    return next((p for p in parts if p.get("type") in ("integer", "number")), None)


class Generator:
    """Every bad body of one operation, deterministic for a seed."""

    def __init__(self, operation: Operation, profile: Profile, seed: int, max_body: int) -> None:
        self.op = operation
        self.profile = profile
        self.rng = random.Random(f"{seed}:{operation.name}")
        self.max_body = max_body
        self.heavy = self.rng.random() < profile.heavy_share
        self.properties: Schema = operation.schema.get("properties", {})

    def cases(self) -> Iterator[Case]:
        """Transport, syntax, size, schema and field cases, classified."""
        parts = [self._transport(), self._syntax(), self._shape(), self._fields()]
        if self.heavy:
            parts.insert(2, self._size())
        for case in chain.from_iterable(parts):
            yield classify(case, self.op.schema, self.op.defs)

    def _json(self, category: str, label: str, body: Any) -> Case:
        return Case(category, label, dumps(body).encode("utf-8", "surrogatepass"))

    def _keep(self, values: list[Any], ci: int = 0) -> list[Any]:
        """All values in the full profile; a seeded sample of `ci` (or per_field) in CI."""
        keep = ci or self.profile.per_field
        if not self.profile.per_field or len(values) <= keep:
            return values
        return self.rng.sample(values, keep)

    def _transport(self) -> Iterator[Case]:
        padded = self.op.base() | {"pad": "x" * self.max_body}
        raw = dumps(padded).encode()
        yield Case("transport.oversized", "Content-Length over the limit", raw, expect=413)
        yield Case("transport.oversized", "chunked over the limit", raw, expect=413, chunked=True)
        if self.op.method == "POST":
            headers = {"content-type": "application/json", "idempotency-key": "fuzz-oversized"}
            yield Case("transport.oversized", "chunked, Idempotency-Key", raw, headers, 413, True)
        for media in self._keep(CONTENT_TYPES_REFUSED):
            headers = {} if media is None else {"content-type": media}
            body = dumps(self.op.base()).encode()
            yield Case("transport.content_type", f"{media}", body, headers, expect=415)
        for media in self._keep(CONTENT_TYPES_JSON):
            body = dumps(self.op.base()).encode()  # fresh: unique fields do not collide
            yield Case("transport.content_type", media, body, {"content-type": media})

    def _syntax(self) -> Iterator[Case]:
        broken: list[tuple[str, Callable[[str], bytes]]] = [
            ("empty", lambda b: b""),
            ("truncated", lambda b: b[:-1].encode()),
            ("trailing garbage", lambda b: (b + "x").encode()),
            ("two documents", lambda b: (b + b).encode()),
            ("single quotes", lambda b: b.replace('"', "'").encode()),
            ("unquoted keys", lambda b: re.sub(r'"(\w+)":', r"\1:", b).encode()),
            ("trailing comma", lambda b: (b[:-1] + ",}").encode()),
            ("comment", lambda b: ("/* c */" + b).encode()),
            ("raw control character", lambda b: b.replace('"', '"\x01', 1).encode()),
            ("raw NUL byte", lambda b: b.replace('"', '"\x00', 1).encode()),
            ("not JSON", lambda b: b"title=x&name=y"),
            ("undefined", lambda b: b"undefined"),
            ("deep arrays 10,000", lambda b: b"[" * 10_000 + b"]" * 10_000),
            ("deep objects 10,000", lambda b: b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
            ("invalid UTF-8", lambda b: b.encode().replace(b'"', b'"\xff', 1)),
            ("overlong UTF-8", lambda b: b.encode().replace(b'"', b'"\xc0\xaf', 1)),
            ("CESU surrogate bytes", lambda b: b.encode().replace(b'"', b'"\xed\xa0\x80', 1)),
            ("Latin-1", lambda b: b.encode().replace(b'"', b'"caf\xe9', 1)),
            ("BOM", lambda b: b"\xef\xbb\xbf" + b.encode()),
            ("UTF-16", lambda b: b.encode("utf-16")),
        ]
        for label, make in broken:
            yield Case("syntax", label, make(dumps(self.op.base())))
        base = dumps(self.op.base())
        for top in self._keep(["null", "1", '"s"', "true", "[]", f"[{base}]", "NaN"], 3):
            yield Case("syntax.top_level", top[:20], top.encode())

    def _size(self) -> Iterator[Case]:
        """Megabyte bodies, refused by construction (parsing them here would cost seconds)."""
        base = self.op.base()
        first = next(iter(self.properties))
        million = Raw("[" + ",".join("0" * MILLION) + "]")
        flood = Raw(dumps(base)[:-1] + "," + ",".join(f'"k{i}":0' for i in range(100_000)) + "}")
        for label, body in (
            ("array of 10^6 at the top", million),
            (f"{first}: array of 10^6", base | {first: million}),
            (f"{first}: 10^6 characters", base | {first: "x" * MILLION}),
            ("100,000 unknown keys", flood),
            (f"{first}: arrays 900 deep", base | {first: Raw("[" * 900 + "]" * 900)}),
            (f"{first}: objects 900 deep", base | {first: Raw('{"a":' * 900 + "1" + "}" * 900)}),
        ):
            case = self._json("size", label, body)
            case.reason = label
            yield case

    def _shape(self) -> Iterator[Case]:
        base = self.op.base()
        for name in self.op.schema.get("required", ()):
            yield self._json(
                "schema.missing_required", name, {k: v for k, v in base.items() if k != name}
            )
        yield self._json("schema.missing_required", "{}", {})
        for name, value in self._keep(list(MASS_ASSIGNMENT.items()), 4):
            if name not in self.properties:
                yield self._json("schema.mass_assignment", name, base | {name: value})
        for key in self._keep(["unknown", "", "\x00", "a\x00b", "\ud800", "ti\u200btle", " x"], 3):
            if key not in self.properties:
                yield self._json("schema.unknown_field", repr(key), base | {key: "x"})
        for name, schema in self.properties.items():
            base = self.op.base()
            bad = self._wrong_values(schema)[0]
            good = base.get(name, self._valid_value(schema))
            if good is None:
                continue
            yield self._json(
                "syntax.duplicate_keys",
                f"{name}: bad then good",
                Pairs((*base.items(), (name, bad), (name, good))),
            )
            yield self._json(
                "syntax.duplicate_keys",
                f"{name}: good then bad",
                Pairs((*base.items(), (name, good), (name, bad))),
            )

    def _valid_value(self, schema: Schema) -> Any:
        string = _string_part(schema, self.op.defs)
        if string is not None and "enum" in string:
            return string["enum"][0]
        return None

    def _wrong_values(self, schema: Schema) -> list[Any]:
        kinds = _kinds(schema, self.op.defs)
        return [v for kind, values in WRONG_VALUES.items() if kind not in kinds for v in values]

    def _fields(self) -> Iterator[Case]:
        base = self.op.base()
        for name, schema in self.properties.items():
            with_ = partial(_merged, self.op.base, name)
            for value in self._keep(self._wrong_values(schema)):
                yield self._json("field.wrong_type", f"{name}={dumps(value)[:20]}", with_(value))
            for literal in self._keep(SPECIAL_NUMBERS):
                yield self._json(
                    "field.special_number", f"{name}={literal[:12]}", with_(Raw(literal))
                )
            yield from self._string_cases(name, schema, base.get(name), with_)
            yield from self._array_cases(name, schema, with_)
            number = _number_part(schema, self.op.defs)
            if number is not None:
                for bound, step in (("minimum", -1), ("maximum", 1)):
                    if bound in number:
                        edge = number[bound]  # the document writes bounds as floats
                        edge = int(edge) if number["type"] == "integer" else edge
                        yield self._json("field.boundary", f"{name}={edge}", with_(edge))
                        yield self._json(
                            "field.boundary", f"{name}={edge + step}", with_(edge + step)
                        )

    def _string_cases(
        self, name: str, schema: Schema, good: Any, with_: Callable[[Any], Any]
    ) -> Iterator[Case]:
        string = _string_part(schema, self.op.defs)
        if string is None:
            yield self._json("field.nul", f"{name}=NUL", with_("\x00"))
            return
        sample = good if isinstance(good, str) else "value"
        for at, value in (
            ("start", "\x00" + sample),
            ("middle", sample[:1] + "\x00" + sample[1:]),
            ("end", sample + "\x00"),
            ("only", "\x00"),
        ):
            if at in ("middle", "only") or not self.profile.per_field:
                yield self._json("field.nul", f"{name}: NUL at {at}", with_(value))
        for value in self._keep(SURROGATES):
            yield self._json(
                "field.surrogate",
                f"{name}={value.encode('unicode_escape')[:12]!r}",
                with_(sample + value),
            )
        limit = string.get("maxLength")
        if limit is not None:
            yield self._json(
                "field.oversized", f"{name}: {limit + 1} chars", with_("x" * (limit + 1))
            )
            yield self._json(
                "field.oversized", f"{name}: {limit} astral", with_("\U0001d54f" * limit)
            )
            yield self._json(
                "field.oversized", f"{name}: {limit + 1} astral", with_("\U0001d54f" * (limit + 1))
            )
            yield self._json(
                "field.oversized", f"{name}: 1 + {limit} combining", with_("e" + "\u0301" * limit)
            )
        yield self._json("field.oversized", f"{name}: 10^5 chars", with_("y" * 100_000))
        for value in self._keep(UNICODE):
            yield self._json("field.unicode", f"{name}={value[:16]!r}", with_(value))
        for _ in range(self.profile.random_strings):
            yield self._json("field.random", f"{name}=random", with_(self._random_text()))
        if string.get("format") == "date-time":
            for value in self._keep(TIMESTAMPS):
                yield self._json("field.datetime", f"{name}={value}", with_(value))

    def _array_cases(
        self, name: str, schema: Schema, with_: Callable[[Any], Any]
    ) -> Iterator[Case]:
        array = _array_part(schema, self.op.defs)
        if array is None:
            return
        limit = array.get("maxItems")
        if limit is not None:
            yield self._json(
                "field.oversized",
                f"{name}: {limit + 1} items",
                with_([f"i{i}" for i in range(limit + 1)]),
            )
            yield self._json(
                "field.oversized", f"{name}: {limit} items", with_([f"i{i}" for i in range(limit)])
            )
        yield self._json("field.nul", f"{name}: NUL in an item", with_(["ok", "a\x00"]))
        for value in self._keep(UNICODE):
            yield self._json("field.unicode", f"{name}: [{value[:16]!r}]", with_([value]))
        yield self._json(
            "field.wrong_type", f"{name}: items of another type", with_([1, True, None, {}])
        )

    def _random_text(self) -> str:
        """A seeded string of tricky code points (no NUL, no surrogate)."""
        ranges = [
            (0x01, 0x7F),
            (0x80, 0x24F),
            (0x300, 0x36F),
            (0x590, 0x6FF),
            (0x200B, 0x202E),
            (0x3000, 0x30FF),
            (0xFE00, 0xFFFF),
            (0x1F300, 0x1FAFF),
            (0xE0000, 0xE007F),
        ]
        chars = []
        for _ in range(self.rng.randint(1, 60)):
            low, high = self.rng.choice(ranges)
            chars.append(chr(self.rng.randint(low, high)))
        return "".join(chars)
