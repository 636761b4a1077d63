"""Mentions: `@` and a member's email (`@ada@example.com`), or the part of it before the `@`
when no other member of the workspace shares it (`@ada`). Case does not matter; code spans
and fenced code are not searched; an `@` inside a word (an email address) is no mention."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_MENTIONS = 50  # handles read from one text; more are ignored
_FENCED = re.compile(r"(?ms)^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[^\n]*$")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LOCAL = r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])?"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
MENTION = re.compile(rf"(?<![\w@./+-])@({_LOCAL})(?:@({_DOMAIN}))?(?![\w@-])")


@dataclass(frozen=True, slots=True)
class Handles:
    """What a text mentions: full addresses and bare local parts, lower-cased."""

    emails: frozenset[str]
    locals: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.emails or self.locals)


def nobody() -> Handles:
    """No handles at all."""
    return Handles(frozenset(), frozenset())


def handles(text: str | None) -> Handles:
    """The handles mentioned in a text (Markdown), outside code."""
    if not text:
        return nobody()
    plain = _INLINE_CODE.sub(" ", _FENCED.sub(" ", text))
    emails: set[str] = set()
    locals_: set[str] = set()
    for match in MENTION.finditer(plain):
        if len(emails) + len(locals_) >= MAX_MENTIONS:
            break
        local, domain = match.group(1).lower(), match.group(2)
        if domain:
            emails.add(f"{local}@{domain.lower()}")
        else:
            locals_.add(local)
    return Handles(frozenset(emails), frozenset(locals_))


def added(before: str | None, after: str | None) -> Handles:
    """The handles `after` mentions that `before` did not (an edit's new mentions)."""
    old, new = handles(before), handles(after)
    return Handles(new.emails - old.emails, new.locals - old.locals)


def resolve(found: Handles, members: dict[str, str]) -> set[str]:
    """The user ids of the members mentioned; `members` maps lower-case email to user id.

    A bare local part resolves only when exactly one member's address starts with it.
    """
    ids = {members[email] for email in found.emails if email in members}
    by_local: dict[str, list[str]] = {}
    for email, user_id in members.items():
        by_local.setdefault(email.split("@", 1)[0], []).append(user_id)
    for local in found.locals:
        owners = by_local.get(local, [])
        if len(owners) == 1:
            ids.add(owners[0])
    return ids
