"""People's Markdown renders to a safe subset: formatting stays, script never does."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from smarttask.web.markdown import TAGS, render, sanitise


def _elements(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every element of the HTML with its attributes, as a browser's parser sees them."""
    found: list[tuple[str, list[tuple[str, str]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, [(name, value or "") for name, value in attrs]))

    Collector().feed(html)
    return found


def test_formatting_is_kept() -> None:
    html = render("**bold** _it_ `code`\n\n- one\n- two\n\n[site](https://example.com)")
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>window.__pwned=1</script>",
        '<img src=x onerror="window.__pwned=1">',
        '<svg onload="window.__pwned=1"></svg>',
        "[x](javascript:window.__pwned=1)",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "<javascript:alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        '<a href="javascript:alert(1)">x</a>',
        "![x](javascript:alert(1))",
        '"><script>alert(1)</script>',
        "<iframe src=https://example.com></iframe>",
        "<style>body{display:none}</style>",
        '[x](https://example.com "title" onmouseover=alert(1))',
    ],
)
def test_script_never_survives(text: str) -> None:
    elements = _elements(render(text))
    for tag, attributes in elements:
        assert tag in TAGS, tag
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            if name == "href":
                assert value.split(":", 1)[0].strip().lower() in ("http", "https", "mailto"), value


def test_raw_html_is_shown_as_text() -> None:
    assert "&lt;b&gt;hi&lt;/b&gt;" in render("<b>hi</b>")


def test_empty_text_renders_nothing() -> None:
    assert render(None) == ""
    assert render("") == ""


def test_task_lists_render_as_disabled_checkboxes() -> None:
    html = render("- [ ] write it\n- [x] ship **it**\n- no box\n\n`- [ ] in code`")
    boxes = [attrs for tag, attrs in _elements(html) if tag == "input"]
    assert len(boxes) == 2
    for attrs in boxes:
        assert ("type", "checkbox") in attrs
        assert ("disabled", "disabled") in attrs
    assert ("checked", "checked") not in boxes[0]
    assert ("aria-label", "not done") in boxes[0]
    assert ("checked", "checked") in boxes[1]
    assert ("aria-label", "done") in boxes[1]
    assert '<li class="task-list-item">' in html
    assert "<li>no box</li>" in html
    assert "<code>- [ ] in code</code>" in html


def test_the_sanitiser_keeps_an_input_only_as_a_disabled_checkbox() -> None:
    dirty = (
        '<input type="text" value="x" name="password" form="f" autofocus onfocus="alert(1)">'
        '<input type="checkbox" checked aria-label="click me">'
    )
    text_box, checkbox = (attrs for tag, attrs in _elements(sanitise(dirty)) if tag == "input")
    assert text_box == [("disabled", "disabled")]  # no type, value, name, form or handler
    assert sorted(checkbox) == [("checked", ""), ("disabled", "disabled"), ("type", "checkbox")]
