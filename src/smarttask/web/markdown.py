"""Markdown for people's text: a CommonMark parser, then an allow-list sanitiser.

markdown-it-py renders with raw HTML off (a `<script>` in the text stays text) and its
link validation on; nh3 then keeps only the tags and attributes of the safe subset below
and only http, https and mailto links, and gives every link rel="noopener noreferrer
nofollow". Both are needed: the parser knows Markdown's link tricks, the sanitiser
guarantees the output whatever the parser let through.

Task lists (`- [ ] step`, `- [x] done`, as on GitHub) become list items with a disabled
checkbox (mdit-py-plugins' tasklists): a record of what is done, not a control. The
sanitiser keeps `<input>` only as a disabled checkbox.

Mentions (docs/notifications.md) are marked by an inline rule: `@ada@example.com` becomes a
mailto link of class "mention", and the short form `@ada` (a member's email before the `@`,
which only the task's workspace can resolve) is emphasised with the same class. Code spans
and code blocks are left alone, as an address inside a word (ada@example.com) is.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline

TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "input",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}, "input": {"checked"}
}  # fmt: skip
# A task list's checkbox: a checkbox or nothing, and always disabled, whatever got this far;
# its name for screen readers is one of two words (an input needs a name: axe's "label").
DONE, NOT_DONE = "done", "not done"
_CHECKBOX = '<input class="task-list-item-checkbox"'  # how mdit-py-plugins writes one
INPUT_TYPES = {"input": {"type": {"checkbox"}, "aria-label": {DONE, NOT_DONE}}}
ALWAYS = {"input": {"disabled": "disabled"}}
CLASSES = {
    "a": {"mention"},
    "strong": {"mention"},
    "ul": {"contains-task-list"},
    "ol": {"contains-task-list"},
    "li": {"task-list-item"},
    "input": {"task-list-item-checkbox"},
}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_LENGTH = 100_000


# The mention syntax of notifications/mentions.py, anchored at the "@".
_LOCAL = r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])?"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
_MENTION = re.compile(rf"@({_LOCAL})(?:@({_DOMAIN}))?(?![\w@-])")
_NOT_BEFORE = re.compile(r"[\w@./+-]")


def _mention(state: StateInline, silent: bool) -> bool:
    """Inline rule: a mention at the current "@" (not inside a word or an address)."""
    start = state.pos
    if state.src[start] != "@" or (start > 0 and _NOT_BEFORE.match(state.src[start - 1])):
        return False
    found = _MENTION.match(state.src, start, state.posMax)
    if found is None:
        return False
    if not silent:
        if found.group(2):
            opened = state.push("link_open", "a", 1)
            opened.attrSet("href", f"mailto:{found.group(1)}@{found.group(2)}")
            opened.attrSet("class", "mention")
        else:
            opened = state.push("strong_open", "strong", 1)
            opened.attrSet("class", "mention")
        state.push("text", "", 0).content = found.group(0)
        state.push("link_close" if found.group(2) else "strong_close", opened.tag, -1)
    state.pos = found.end()
    return True


def _name_checkboxes(state: StateCore) -> None:
    """Core rule after the task lists': each checkbox says "done" or "not done"."""
    for block in state.tokens:
        for token in block.children or ():
            if token.type == "html_inline" and token.content.startswith(_CHECKBOX):
                name = DONE if 'checked="checked"' in token.content else NOT_DONE
                token.content = token.content.replace("<input ", f'<input aria-label="{name}" ', 1)


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.tasklists import tasklists_plugin

    parser = (
        MarkdownIt("commonmark", {"html": False, "linkify": False})
        .enable("table")
        .enable("strikethrough")
        .use(tasklists_plugin)
    )
    parser.core.ruler.after("github-tasklists", "name_checkboxes", _name_checkboxes)
    parser.inline.ruler.push("mention", _mention)
    return parser


def sanitise(html: str) -> str:
    """Keep only the safe subset of this HTML (the allow-lists above), whatever it holds."""
    import nh3

    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        tag_attribute_values=INPUT_TYPES,
        set_tag_attribute_values=ALWAYS,
        allowed_classes=CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render(text: str | None) -> Markup:
    """Safe HTML for the Markdown text (empty for None)."""
    if not text:
        return Markup("")
    clean = sanitise(_parser().render(text[:MAX_LENGTH]))
    return Markup(clean)  # noqa: S704 - sanitised just above
