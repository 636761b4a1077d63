"""Markdown for people's text: a CommonMark parser, then an allow-list sanitiser.

markdown-it-py renders with raw HTML off (a `<script>` in the text stays text) and its
link validation on; nh3 then keeps only the tags and attributes of the safe subset below
and only http, https and mailto links, and gives every link rel="noopener noreferrer
nofollow". Both are needed: the parser knows Markdown's link tricks, the sanitiser
guarantees the output whatever the parser let through.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_LENGTH = 100_000


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return (
        MarkdownIt("commonmark", {"html": False, "linkify": False})
        .enable("table")
        .enable("strikethrough")
    )


def render(text: str | None) -> Markup:
    """Safe HTML for the Markdown text (empty for None)."""
    import nh3

    if not text:
        return Markup("")
    html = _parser().render(text[:MAX_LENGTH])
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
