"""Plain text out of model answers: markup stripped; links and email addresses the task did
not contain removed (an answer must not send readers, or data, anywhere new)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'`)\]}]+", re.IGNORECASE)
_WWW = re.compile(r"(?<![\w/.])www\.[^\s<>\"'`)\]}]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_SCHEME = re.compile(r"\b(?:javascript|data|vbscript|file):[^\s]*", re.IGNORECASE)
_IMAGE = re.compile(r"!\[([^\]]{0,500})\]\(([^)]{0,2000})\)")
_LINK = re.compile(r"\[([^\]]{1,500})\]\(\s*([^)\s]{1,2000})(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]{1,100}\]:\s*\S+.*$", re.MULTILINE)
_TAG = re.compile(r"</?[A-Za-z!][^<>]{0,500}>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#39|nbsp);")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'", "&nbsp;": " "}
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*")
_CODE = re.compile(r"`([^`\n]{0,500})`")
_STRONG = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_SPACES = re.compile(r"[ \t\f\v]+")
_TRAILING = ".,;:!?"


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A cleaned string and what was taken out of it."""

    text: str
    markup_removed: bool
    links_removed: tuple[str, ...]


def urls_in(text: str) -> frozenset[str]:
    """Every URL and email address in `text`, normalised so that an answer may repeat it."""
    found = {m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)}
    found |= {m.group(0).rstrip(_TRAILING) for m in _WWW.finditer(text)}
    found |= {m.group(0).rstrip(_TRAILING) for m in _EMAIL.finditer(text)}
    return frozenset(u.lower() for u in found)


def _allowed(url: str, allowed: frozenset[str]) -> bool:
    return url.rstrip(_TRAILING).lower() in allowed


def _control_free(text: str) -> str:
    return "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )


def clean(text: str, allowed_urls: frozenset[str], *, single_line: bool = False) -> Cleaned:
    """Strip HTML and Markdown markup, and links whose URL is not in `allowed_urls`."""
    original = text
    removed: list[str] = []

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if _allowed(url, allowed_urls):
            return f"{label} ({url.rstrip(_TRAILING)})"
        removed.append(url)
        return label

    def image(match: re.Match[str]) -> str:
        removed.append(match.group(2))
        return match.group(1)

    def bare(match: re.Match[str]) -> str:
        url = match.group(0)
        if _allowed(url, allowed_urls):
            return url
        removed.append(url.rstrip(_TRAILING))
        return ""

    def scheme(match: re.Match[str]) -> str:
        removed.append(match.group(0))
        return ""

    text = _control_free(text)
    text = _IMAGE.sub(image, text)
    text = _LINK.sub(link, text)
    text = _REFERENCE.sub("", text)
    text = _TAG.sub("", text)
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text)
    text = _TAG.sub("", text)  # tags that were written as entities
    text = _SCHEME.sub(scheme, text)
    text = _URL.sub(bare, text)
    text = _WWW.sub(bare, text)
    text = _EMAIL.sub(bare, text)
    text = _FENCE.sub("", text)
    text = _CODE.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    if single_line:
        text = _BULLET.sub("", text)
        text = " ".join(text.split())
    else:
        lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
        text = "\n".join(line for line in lines if line)
    text = re.sub(r"\(\s*\)", "", text).strip()
    markup = _normalised(text) != _normalised(original) and not removed
    return Cleaned(text=text, markup_removed=markup, links_removed=tuple(removed))


def _normalised(text: str) -> str:
    return " ".join(text.split())
