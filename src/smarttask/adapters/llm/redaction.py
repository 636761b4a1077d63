"""Redaction: emails, phone numbers and secret-looking strings never reach a vendor.

`redact(text)` replaces them with the placeholders `[email]`, `[phone]` and `[secret]`.
The patterns are deliberately specific: dates, times, version numbers, task keys
(`WEB-42`), ids and ordinary numbers pass through unchanged.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

EMAIL = "[email]"
PHONE = "[phone]"
SECRET = "[secret]"  # noqa: S105 - a placeholder, not a secret

# Whole tokens that are secrets by their shape (vendor key formats, JWTs, PEM blocks).
_SECRET_SHAPES = re.compile(
    r"""
      -----BEGIN[A-Z ]*PRIVATE\ KEY-----.*?(?:-----END[A-Z ]*PRIVATE\ KEY-----|\Z)
    | \b(?:sk|rk|pk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{16,}     # OpenAI, Anthropic, Stripe-like keys
    | \b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b             # AWS access key ids
    | \bgh[pousr]_[A-Za-z0-9]{20,}\b                           # GitHub tokens
    | \bgithub_pat_[A-Za-z0-9_]{20,}\b
    | \bglpat-[A-Za-z0-9_-]{20,}\b                             # GitLab tokens
    | \bxox[abprs]-[A-Za-z0-9-]{10,}\b                         # Slack tokens
    | \bAIza[0-9A-Za-z_-]{35}\b                                # Google API keys
    | \beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*  # JWTs
    """,
    re.VERBOSE | re.DOTALL,
)

# `password=hunter2`, `api_key: abc123...`: the name stays, the value goes.
_ASSIGNED_SECRET = re.compile(
    r"""
    (?<![A-Za-z0-9])(?P<name>
        pass(?:word|wd|phrase)?|pwd|secret|client[_-]?secret|token|access[_-]?token
      | refresh[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key
      | auth[_-]?token|bearer
    )
    (?P<sep>\s*[:=]\s*|\s+)
    (?P<quote>["']?)(?P<value>[^\s"',;]+)(?P=quote)
    """,
    re.VERBOSE | re.IGNORECASE,
)

# Credentials inside URLs: scheme://user:password@host.
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s/@]+(?=@)", re.I)

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# Phone numbers: an international +prefix, a (area) code, the US 3-3-4 shape, a
# European trunk 0 followed by groups, or any long digit run right after "phone"/"tel"/"call".
_PHONE = re.compile(
    r"""
      (?<![\w+])\+\d{1,3}(?:[\s./-]?\(?\d{1,5}\)?){2,6}(?!\w)
    | (?<!\w)\(\d{2,5}\)\s?\d{3,4}[\s.-]?\d{3,5}(?!\w)
    | (?<![\w.-])\d{3}[\s.-]\d{3}[\s.-]\d{4}(?![\w-]|\.\d)
    | (?<![\w.-])0\d{2,4}[\s/-]\d{3,4}[\s-]?\d{2,5}(?![\w-]|\.\d)
    | (?<=phone\ )\d{7,15}\b | (?<=phone:\ )\d{7,15}\b | (?<=tel\ )\d{7,15}\b
    | (?<=tel:\ )\d{7,15}\b | (?<=call\ )\d{7,15}\b | (?<=mobile\ )\d{7,15}\b
    """,
    re.VERBOSE | re.IGNORECASE,
)

_WORDISH = re.compile(r"[A-Z]?[a-z]{3,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
_HEX_TOKEN = re.compile(r"(?<![A-Za-z0-9])[0-9a-fA-F]{32,}(?![A-Za-z0-9])")
_OPAQUE_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_.:-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/_=-])")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _looks_random(token: str) -> bool:
    """A long token mixing upper, lower and digits with high entropy (not a word or identifier)."""
    has_classes = (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
    )
    if not has_classes or _entropy(token) < 4.0:
        return False
    wordlike = sum(len(w) for w in _WORDISH.findall(token))
    return wordlike < len(token) / 2  # camelCase identifiers are mostly words


def _assigned(match: re.Match[str]) -> str:
    value = match["value"]
    if match["sep"].strip() == "" and not _looks_random(value) and len(value) < 20:
        return match[0]  # "token expires soon": a word after a word, not an assignment
    if match["sep"].strip() == ":" and value.isalpha() and value.islower():
        return match[0]  # "secret: rotate weekly" is prose
    if value == SECRET or value.startswith("["):
        return match[0]
    return f"{match['name']}{match['sep']}{match['quote']}{SECRET}{match['quote']}"


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match[0])
    return PHONE if 7 <= digits <= 15 else match[0]


def _opaque(match: re.Match[str]) -> str:
    return SECRET if _looks_random(match[0]) else match[0]


_STEPS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_SECRET_SHAPES, lambda _m: SECRET),
    (_URL_CREDENTIALS, lambda m: f"{m['head']}{SECRET}"),
    (_ASSIGNED_SECRET, _assigned),
    (_EMAIL, lambda _m: EMAIL),
    (_IBAN, lambda _m: SECRET),
    (_HEX_TOKEN, lambda _m: SECRET),
    (_OPAQUE_TOKEN, _opaque),
    (_PHONE, _phone),
)


def redact(text: str) -> str:
    """The text with emails, phone numbers and secret-looking strings replaced by placeholders."""
    if not text:
        return text
    for pattern, replace in _STEPS:
        text = pattern.sub(replace, text)
    return text


def redact_all(texts: tuple[str, ...]) -> tuple[str, ...]:
    """`redact` applied to every string of a tuple."""
    return tuple(redact(t) for t in texts)
