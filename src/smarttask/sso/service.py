"""Single sign-on's rules: trips to providers used once, and which account a person is.

A verified person signs in as the user their identity is linked to; else as the existing
user with that email, linked now, only when the provider says the email is verified; else
as a new user (no password, email verified) when the provider may create users and the
email's domain is allowed. Disabled and deleted users stay out. A signed-in user links
another provider after proving it is them (the page's step-up), and unlinks one unless it
is their last way in. Services flush; the unit of work commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import repository as accounts
from smarttask.accounts.models import User
from smarttask.accounts.service import normalize_email
from smarttask.accounts.tokens import hash_secret
from smarttask.db.engine import Database
from smarttask.db.types import new_id, utcnow
from smarttask.settings import SsoProviderSettings, SsoSettings
from smarttask.sso import providers, repository
from smarttask.sso.models import CONFIRM, LINK, SIGN_IN, SsoAttempt, UserIdentity
from smarttask.sso.providers import Person, Trip

log = logging.getLogger("smarttask.sso")
# Expired attempts can no longer be used; their rows go a day after they expired.
KEEP_EXPIRED = timedelta(days=1)
_AGAIN = "Start again from the sign-in page."


class SignInRefused(Exception):
    """A sign-in or link the rules refuse: the page says `title` and `message`."""

    def __init__(
        self,
        reason: str,
        title: str,
        message: str,
        *,
        status: int = 403,
        user_id: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.title = title
        self.message = message
        self.status = status
        self.user_id = user_id  # the account refused, when known (for the security log)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A spent attempt: what it was for, and its nonce and PKCE verifier."""

    provider: str
    intent: str
    user_id: str | None
    session_id: str | None
    next_path: str
    follow_up: str | None
    created_at: datetime
    trip: Trip


def browser_hash(secret: str) -> str:
    """The hash under which an attempt remembers the browser's `st_sso` cookie."""
    return hash_secret("smarttask-sso-browser:" + secret)


async def start(
    session: AsyncSession,
    sso: SsoSettings,
    provider: SsoProviderSettings,
    *,
    browser: str,
    next_path: str,
    user: User | None = None,
    session_id: str | None = None,
    follow_up: str | None = None,
) -> str:
    """A new attempt bound to the browser; the provider's URL to send it to.

    Without `user` a sign-in; with it a link to that user, or, with a `follow_up`
    (`link:<provider>`, `unlink:<provider>`), a confirmation that it is them, which asks
    the provider to authenticate the person again. The provider is asked first (discovery
    may need the network), then the row is written.
    """
    trip = providers.new_trip()
    intent = SIGN_IN if user is None else CONFIRM if follow_up else LINK
    url = await providers.authorization_url(provider, sso, trip, force_login=intent == CONFIRM)
    now = utcnow()
    attempt = SsoAttempt(
        id=new_id(),
        state_hash=hash_secret(trip.state),
        browser_hash=browser_hash(browser),
        provider=provider.name,
        intent=intent,
        user_id=user.id if user else None,
        session_id=session_id,
        nonce=trip.nonce,
        code_verifier=trip.code_verifier,
        next_path=next_path,
        follow_up=follow_up,
        created_at=now,
        expires_at=now + timedelta(seconds=sso.attempt_ttl_seconds),
    )
    await repository.add_attempt(session, attempt)
    return url


def _stale() -> SignInRefused:
    return SignInRefused(
        "state_invalid",
        "This sign-in cannot be finished",
        "It was not started in this browser, was finished already, or took too long. " + _AGAIN,
        status=400,
    )


async def claim(database: Database, provider: str, state: str, browser: str | None) -> Claimed:
    """Spend the attempt this `state` names, if it is this browser's, for this provider,
    unused and not expired (committed at once: a failure later cannot make it usable
    again)."""
    if not state or not browser or len(state) > 200:
        raise _stale()
    async with database.session() as session:
        attempt = await repository.attempt_by_state(session, hash_secret(state))
        if (
            attempt is None
            or attempt.provider != provider
            or attempt.browser_hash != browser_hash(browser)
        ):
            raise _stale()
        if not await repository.spend_attempt(session, attempt.id, utcnow()):
            raise _stale()
        await session.commit()
    return Claimed(
        provider=attempt.provider,
        intent=attempt.intent,
        user_id=attempt.user_id,
        session_id=attempt.session_id,
        next_path=attempt.next_path,
        follow_up=attempt.follow_up,
        created_at=attempt.created_at,
        trip=Trip(state, attempt.nonce, attempt.code_verifier),
    )


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def checked_email(provider: SsoProviderSettings, person: Person) -> str:
    """The person's email, normalised, when verified and of an allowed domain."""
    name = provider.display_name
    if person.email is None:
        raise SignInRefused(
            "email_missing",
            f"{name} did not share an email address",
            f"smarttask needs the email address of your {name} account. Allow it to be "
            "shared, then sign in again.",
            status=400,
        )
    if not person.email_verified:
        raise SignInRefused(
            "email_unverified",
            "Your email address is not verified",
            f"{name} does not say that the email address of this account is verified. "
            f"Verify it at {name}, then sign in again.",
        )
    email = normalize_email(person.email)
    if provider.allowed_domains and _domain(email) not in provider.allowed_domains:
        raise SignInRefused(
            "domain_not_allowed",
            "This email address cannot sign in here",
            f"Addresses at {_domain(email)} cannot sign in with {name} on this smarttask. "
            "Use an account of an organisation this smarttask admits, or ask its "
            "administrators.",
        )
    return email


def usable(user: User) -> None:
    """Refuse (with the page's words) a disabled or deleted user."""
    if user.deleted_at is not None:
        raise SignInRefused(
            "account_deleted",
            "This account was deleted",
            "The smarttask account this sign-in belongs to was deleted; it cannot be used again.",
            user_id=user.id,
        )
    if not user.is_active:
        raise SignInRefused(
            "account_disabled",
            "This account is disabled",
            "The smarttask account this sign-in belongs to is disabled; ask an administrator "
            "of this smarttask to enable it.",
            user_id=user.id,
        )


def touch(identity: UserIdentity, person: Person) -> None:
    """Note the identity's use, and its email when the provider verified it."""
    identity.last_used_at = utcnow()
    if person.email is not None and person.email_verified:
        identity.email = normalize_email(person.email)


async def new_identity(
    session: AsyncSession, provider: str, person: Person, user: User, email: str | None
) -> UserIdentity:
    """Link the person at the provider to the user (refused when linked meanwhile)."""
    now = utcnow()
    row = UserIdentity(
        id=new_id(),
        provider=provider,
        subject=person.subject,
        user_id=user.id,
        email=email,
        created_at=now,
        last_used_at=now,
    )
    try:
        await repository.add_identity(session, row)
    except IntegrityError:  # the request's transaction rolls back with the refusal
        raise SignInRefused(
            "identity_taken",
            "This account is linked already",
            "This account at the identity provider was linked to a smarttask account "
            "meanwhile. " + _AGAIN,
            status=409,
        ) from None
    return row


async def _new_user(
    session: AsyncSession, provider: SsoProviderSettings, person: Person, email: str
) -> User:
    """A user without a password (SSO is its way in), its email verified by the provider."""
    if not provider.create_users:
        raise SignInRefused(
            "creation_not_allowed",
            "There is no account for this email address",
            f"No smarttask account has this email address, and signing in with "
            f"{provider.display_name} does not create accounts here. Ask an administrator "
            "to create your account or invite you, then sign in again.",
        )
    name = (person.name or "").strip()[:200] or email.split("@", 1)[0][:200]
    now = utcnow()
    user = User(
        id=new_id(),
        email=email,
        name=name,
        password_hash=None,
        is_admin=False,
        is_active=True,
        totp_enabled=False,
        email_verified=True,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # the same email signed up meanwhile
        raise SignInRefused(
            "email_taken",
            "An account was created meanwhile",
            "An account with this email address was created while you signed in. " + _AGAIN,
            status=409,
        ) from None
    return user


async def account_for(
    session: AsyncSession,
    provider: SsoProviderSettings,
    person: Person,
    *,
    second_factor_done: bool = False,
) -> User:
    """The user this verified person signs in as (linked, found by verified email, or new).

    An account with TOTP is not linked by a sign-in whose second factor is still to come
    (the code step may fail): it is found by its verified email each time until its owner
    links the provider from the sign-in methods page. Refused with a page's words when the
    account is disabled or deleted, the email is missing, unverified or of a domain not
    allowed, or new users may not be created.
    """
    known = await repository.identity(session, provider.name, person.subject)
    if known is not None:
        user = await accounts.get_user(session, known.user_id)
        assert user is not None  # the identity's row goes with its user (cascade)
        usable(user)
        if provider.allowed_domains:
            checked_email(provider, person)  # the operator's domain rule holds every time
        touch(known, person)
        return user
    email = checked_email(provider, person)
    user = await accounts.get_user_by_email(session, email)
    if user is not None:
        usable(user)
        if await repository.identity_of_user(session, user.id, provider.name) is not None:
            # Another account at this provider is linked to the user already: not a match.
            raise SignInRefused(
                "provider_linked_otherwise",
                f"Another {provider.display_name} account is linked",
                f"Your smarttask account is linked to another {provider.display_name} "
                "account. Sign in with that one, or with your password.",
            )
        if user.totp_enabled and not second_factor_done:
            return user
        await new_identity(session, provider.name, person, user, email)
        user.email_verified = True  # the provider verified it
        user.updated_at = utcnow()
        log.info("sso identity linked by email", extra={"provider": provider.name})
        return user
    user = await _new_user(session, provider, person, email)
    await new_identity(session, provider.name, person, user, email)
    log.info("sso user created", extra={"provider": provider.name})
    return user


def second_factor_done(provider: SsoProviderSettings, person: Person) -> bool:
    """Whether the provider's `amr` says a second factor was used, and the operator trusts
    this provider's word for it (then our TOTP step is skipped)."""
    return provider.trust_mfa and bool(set(person.amr) & set(provider.mfa_amr))


async def purge(session: AsyncSession, *, keep: timedelta = KEEP_EXPIRED) -> int:
    """Delete attempts expired for longer than `keep`; how many."""
    return await repository.purge_attempts(session, utcnow() - keep)
