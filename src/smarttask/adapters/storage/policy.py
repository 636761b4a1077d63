"""What may be stored and how it is served: content types, filenames, Content-Disposition."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_FILENAME = 255
SAFE_FALLBACK_TYPE = "application/octet-stream"

_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
# Types a browser may render or execute in our origin; refused at upload time.
_REFUSED_TYPES = frozenset(
    {
        "application/xhtml+xml",
        "application/xml",
        "application/xslt+xml",
        "application/x-shockwave-flash",
        "application/vnd.mozilla.xul+xml",
        "image/svg+xml",
        "text/css",
        "text/html",
        "text/xml",
        "text/xsl",
    }
)
_REFUSED_PARTS = ("html", "javascript", "ecmascript", "jscript")
_REFUSED_MAJORS = frozenset({"multipart", "message"})


def normalise_content_type(value: str) -> str:
    """The lower-cased `type/subtype`; ValueError when malformed (parameters are not accepted)."""
    media = value.strip().lower()
    if not _MEDIA_TYPE.match(media):
        raise ValueError("must be a media type like 'image/png' (no parameters)")
    return media


def is_refused_type(media: str) -> bool:
    """Whether a browser could render or run this type inline (HTML, XML, SVG, scripts)."""
    major, _, subtype = media.partition("/")
    return (
        media in _REFUSED_TYPES
        or major in _REFUSED_MAJORS
        or subtype == "xml"
        or subtype.endswith("+xml")
        or any(part in media for part in _REFUSED_PARTS)
    )


def served_type(media: str) -> str:
    """The Content-Type a download is served with: the stored one unless it is refused."""
    try:
        media = normalise_content_type(media)
    except ValueError:
        return SAFE_FALLBACK_TYPE
    return SAFE_FALLBACK_TYPE if is_refused_type(media) else media


def _clean(ch: str) -> str:
    kind = unicodedata.category(ch)[0]
    return " " if kind == "Z" or ch.isspace() else "" if kind == "C" else ch


def sanitise_filename(value: str) -> str:
    """A display name without paths, control or format characters; ValueError if nothing is left.

    Unicode letters are kept (NFC). The result is only ever used in Content-Disposition,
    never in a path.
    """
    name = unicodedata.normalize("NFC", value)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(_clean(ch) for ch in name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        raise ValueError("must contain a name (not only paths, dots or control characters)")
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_FILENAME - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_FILENAME].rstrip(" .")
    return name


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266, RFC 8187)."""
    fallback = "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\;%' else "_" for ch in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
