"""The XSS sweep's payloads through the Markdown filter: each shows as the text it is.

The browser sweep (tests/browser/test_xss.py) checks every page; this checks the renderer
itself on the same payloads (tests/support/web_sweeps.py), so that a change of parser or
sanitiser fails here first. test_web_markdown.py checks the filter's own rules.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from smarttask.web.markdown import ATTRIBUTES, TAGS, render
from tests.support.web_sweeps import MARKDOWN, PAYLOADS, SAFE_LINK


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_stays_text(payload: str) -> None:
    parsed = _parse(str(render(payload)))
    assert [tag for tag, _ in parsed.tags] == ["p"]
    assert "".join(parsed.text).strip() == payload


def test_only_the_safe_subset_comes_out() -> None:
    parsed = _parse(str(render(MARKDOWN)))
    for tag, attrs in parsed.tags:
        assert tag in TAGS
        allowed = ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        assert set(attrs) <= allowed, (tag, attrs)
    links = [attrs for tag, attrs in parsed.tags if tag == "a"]
    assert links == [{"href": "https://example.com/safe", "rel": "noopener noreferrer nofollow"}]
    assert SAFE_LINK not in "".join(parsed.text)
