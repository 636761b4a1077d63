"""Mail templates: `<name>.txt` and `<name>.html` under mailing/templates, one environment."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _environments() -> tuple[Environment, Environment]:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    def build(autoescape: bool) -> Environment:
        return Environment(
            loader=PackageLoader("smarttask.mailing", "templates"),
            autoescape=autoescape,  # noqa: S701 - off for the text parts only
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            auto_reload=False,
            keep_trailing_newline=True,
        )

    return build(False), build(True)


def compose(name: str, **context: Any) -> tuple[str, str]:
    """The text and HTML parts of template `name` (HTML escaped, text as written)."""
    text, html = _environments()
    return (
        text.get_template(f"{name}.txt").render(**context),
        html.get_template(f"{name}.html").render(**context),
    )


def link(public_url: str, path: str, **query: str) -> str:
    """An absolute link on SMARTTASK_PUBLIC_URL (never the request's Host)."""
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{public_url.rstrip('/')}/{path.lstrip('/')}{suffix}"
