"""Linking and unlinking providers to the signed-in user (the page checks the proof first).

A link finishes in the login that started it; an identity belongs to one user; one
identity per provider and user. An account without a password or TOTP proves it is its
owner by signing in again at a provider it has linked (`confirm`). Unlinking never leaves
an account without a way in.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask import securitylog
from smarttask.accounts.models import User
from smarttask.accounts.service import normalize_email
from smarttask.kit.problems import Conflict, NotFound
from smarttask.settings import SsoProviderSettings, SsoSettings
from smarttask.sso import providers, repository
from smarttask.sso.models import UserIdentity
from smarttask.sso.providers import Person
from smarttask.sso.service import (
    Claimed,
    SignInRefused,
    checked_email,
    new_identity,
    touch,
    usable,
)


async def link(
    session: AsyncSession, provider: SsoProviderSettings, person: Person, user: User
) -> None:
    """Link the verified person to the signed-in user (who proved it was them first).

    The email need not be the account's; where the operator limits domains, a verified
    email of an allowed domain is still required.
    """
    usable(user)
    email = None
    if provider.allowed_domains:
        email = checked_email(provider, person)
    elif person.email is not None and person.email_verified:
        email = normalize_email(person.email)
    known = await repository.identity(session, provider.name, person.subject)
    if known is not None and known.user_id != user.id:
        raise SignInRefused(
            "identity_taken",
            "This account is linked to someone else",
            f"This {provider.display_name} account is linked to another smarttask account. "
            "Sign in with it to use that account, or link a different one.",
            status=409,
        )
    if known is not None:
        touch(known, person)
        return
    if await repository.identity_of_user(session, user.id, provider.name) is not None:
        raise SignInRefused(
            "provider_linked_otherwise",
            f"Another {provider.display_name} account is linked",
            f"Unlink the {provider.display_name} account linked now before linking another.",
            status=409,
        )
    await new_identity(session, provider.name, person, user, email)
    securitylog.record(
        session,
        "sso.linked",
        actor_id=user.id,
        target_id=user.id,
        details={"provider": provider.name},
    )


async def confirm(
    session: AsyncSession,
    provider: SsoProviderSettings,
    person: Person,
    user: User,
    claimed: Claimed,
) -> None:
    """Check that the person who signed in again is the user's own identity there (an
    OpenID provider must also say it authenticated them after the attempt began)."""
    usable(user)
    own = await repository.identity_of_user(session, user.id, provider.name)
    if own is None or own.subject != person.subject:
        raise SignInRefused(
            "confirm_other_account",
            "That was another account",
            f"To prove it is you, sign in with the {provider.display_name} account linked "
            "to your smarttask account.",
        )
    started = int(claimed.created_at.timestamp()) - providers.LEEWAY_SECONDS
    if provider.kind == "oidc" and (person.auth_time is None or person.auth_time < started):
        raise SignInRefused(
            "confirm_not_fresh",
            "You were not asked to sign in again",
            f"{provider.display_name} did not confirm that you signed in just now, so this "
            "cannot prove it is you. Try again, or use your password.",
        )
    touch(own, person)


def confirmable(sso: SsoSettings, rows: list[UserIdentity]) -> list[SsoProviderSettings]:
    """The configured providers of the user's identities (their sign-in proves it is them)."""
    found = (sso.get(row.provider) for row in rows)
    return [provider for provider in found if provider is not None]


async def identities(session: AsyncSession, user: User) -> list[UserIdentity]:
    """The user's linked identities, by provider name."""
    return await repository.identities_of_user(session, user.id)


async def can_link(session: AsyncSession, user: User, provider: SsoProviderSettings) -> None:
    """Refuse (409) a link of a provider the user has an identity at already."""
    if await repository.identity_of_user(session, user.id, provider.name) is not None:
        raise Conflict(
            f"Your account is linked to {provider.display_name} already; unlink it first to "
            "link another account there."
        )


async def unlink(session: AsyncSession, sso: SsoSettings, user: User, provider: str) -> None:
    """Remove the user's identity at a provider, unless nothing else would let them in
    (no password and no other identity at a configured provider): 409 then."""
    rows = await repository.identities_of_user(session, user.id)
    row = next((r for r in rows if r.provider == provider), None)
    if row is None:
        raise NotFound("There is no such sign-in method.")
    others = [r for r in rows if r is not row and sso.get(r.provider) is not None]
    if user.password_hash is None and not others:
        raise Conflict(
            "This is your only way to sign in: set a password (Forgot your password? on the "
            "sign-in page mails you a link) or link another provider first."
        )
    await repository.remove_identity(session, row)
    securitylog.record(
        session,
        "sso.unlinked",
        actor_id=user.id,
        target_id=user.id,
        details={"provider": provider},
    )
