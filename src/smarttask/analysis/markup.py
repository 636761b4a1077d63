"""Plain text out of model answers: markup stripped; links and email addresses the task did
not contain removed (an answer must not send readers, or data, anywhere new).

HTML goes through nh3 (the Rust `ammonia` sanitiser, an HTML5 parser): every tag is
dropped, `<script>` and `<style>` with their content, and the URLs of links and images
are looked at before they go. Markdown, which no HTML sanitiser knows, is undone by the
patterns below.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

import nh3

_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'`)\]}]+", re.IGNORECASE)
_WWW = re.compile(r"(?<![\w/.])www\.[^\s<>\"'`)\]}]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_SCHEME = re.compile(r"\b(?:javascript|data|vbscript|file):[^\s]*", re.IGNORECASE)
_IMAGE = re.compile(r"!\[([^\]]{0,500})\]\(([^)]{0,2000})\)")
_LINK = re.compile(r"\[([^\]]{1,500})\]\(\s*([^)\s]{1,2000})(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]{1,100}\]:\s*\S+.*$", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*")
_CODE = re.compile(r"`([^`\n]{0,500})`")
_STRONG = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_SPACES = re.compile(r"[ \t\f\v]+")
_TRAILING = ".,;:!?"
# What nh3 is told: keep links and images for one pass, so their URLs can be looked at;
# every URL scheme, so that none is dropped before it is seen; script and style go whole.
_LINK_TAGS = {"a": {"href"}, "img": {"src"}, "area": {"href"}}
_ALL_SCHEMES = {"http", "https", "ftp", "mailto", "javascript", "data", "vbscript", "file"}
_CONTENT_TAGS = {"script", "style"}
_HTML_PASSES = 3  # markup written as entities (&lt;script&gt;) is parsed again, this often


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


def _strip_html(text: str, urls: list[str]) -> str:
    """Text without HTML, through nh3; the URLs of the links and images it held go to `urls`."""

    def seen(tag: str, attribute: str, value: str) -> str:
        urls.append(html.unescape(value))
        return value

    for _ in range(_HTML_PASSES):
        if "<" not in text and "&" not in text:
            break
        linked = nh3.clean(
            text,
            tags=set(_LINK_TAGS),
            attributes=_LINK_TAGS,
            clean_content_tags=_CONTENT_TAGS,
            url_schemes=_ALL_SCHEMES,
            attribute_filter=seen,
            link_rel=None,
            strip_comments=True,
        )
        stripped = html.unescape(nh3.clean(linked, tags=set(), clean_content_tags=_CONTENT_TAGS))
        if stripped == text:
            break
        text = stripped
    return text


def clean(text: str, allowed_urls: frozenset[str], *, single_line: bool = False) -> Cleaned:
    """Strip HTML and Markdown markup, and links whose URL is not in `allowed_urls`.

    `markup_removed` says whether any markup was taken out, whether or not links were too.
    """
    removed: list[str] = []
    markup = False

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

    def markdown(pattern: re.Pattern[str], replacement: object, value: str) -> str:
        nonlocal markup
        value, count = pattern.subn(replacement, value)  # type: ignore[call-overload]
        markup = markup or count > 0
        return value

    text = _control_free(text)
    html_urls: list[str] = []
    without_html = _strip_html(text, html_urls)
    markup = _normalised(without_html) != _normalised(text)
    removed += [url for url in html_urls if not _allowed(url, allowed_urls)]
    text = markdown(_IMAGE, image, without_html)
    text = markdown(_LINK, link, text)
    text = markdown(_REFERENCE, "", text)
    text = _SCHEME.sub(scheme, text)
    text = _URL.sub(bare, text)
    text = _WWW.sub(bare, text)
    text = _EMAIL.sub(bare, text)
    text = markdown(_FENCE, "", text)
    text = markdown(_CODE, r"\1", text)
    text = markdown(_STRONG, r"\2", text)
    text = markdown(_EMPHASIS, r"\1", text)
    text = markdown(_HEADING, "", text)
    text = markdown(_QUOTE, "", text)
    if single_line:
        text = markdown(_BULLET, "", text)
        text = " ".join(text.split())
    else:
        lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
        text = "\n".join(line for line in lines if line)
    text = re.sub(r"\(\s*\)", "", text).strip()
    return Cleaned(text=text, markup_removed=markup, links_removed=tuple(removed))


def _normalised(text: str) -> str:
    return " ".join(text.split())
