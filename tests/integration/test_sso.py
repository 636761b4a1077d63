"""Single sign-on against a local OpenID provider and a local GitHub that speak the real
protocols (tests/support/oidc_provider.py, tests/support/github_server.py), on both
databases: the app runs in-process, the providers on 127.0.0.1, and the browser's part
(following redirects, keeping cookies) is played by httpx, by hand.

What a person would notice: the right account is signed in, created or linked; every
forged, replayed or mismatched answer is refused with a page that says so, and changes
nothing; a disabled or deleted account stays out; TOTP is still asked; linking needs proof
and unlinking never removes the last way in.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from smarttask.accounts import service as accounts_service
from smarttask.accounts.models import User
from smarttask.securitylog.models import SecurityEvent
from smarttask.sso import providers
from smarttask.sso.models import SsoAttempt, UserIdentity
from tests.support.accounts import (
    PASSWORD,
    app_of,
    bearer,
    enable_totp,
    login,
    register,
    set_user,
    totp_code,
)
from tests.support.github_server import GitHubAccount, GitHubServer
from tests.support.oidc_provider import Account, Misbehaviour, OidcProvider, with_person
from tests.support.sso import (
    APP,
    BROWSER,
    at_provider,
    back,
    begin,
    count,
    fresh_sso_settings,
    is_signed_in,
    refused,
    rows,
    signed_in,
    sso,
)
from tests.support.web import csrf_of

ADA = Account("kc-ada-0001", "ada@example.com", name="Ada Lovelace")
GRACE = GitHubAccount(583231, "grace", "grace@example.com", name="Grace Hopper")


@pytest.fixture
def settings_overrides(oidc: OidcProvider, github: GitHubServer) -> dict[str, Any]:
    """Five providers on the two servers; each test starts with well-behaved ones."""
    return fresh_sso_settings(oidc, github)


# --- signing in -----------------------------------------------------------------------------


async def test_a_new_person_gets_an_account_without_a_password(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    assert await is_signed_in(client)
    [user] = await rows(client, User, User.email == ADA.email)
    assert user.password_hash is None
    assert user.email_verified is True
    assert user.name == ADA.name
    [identity] = await rows(client, UserIdentity, UserIdentity.user_id == user.id)
    assert (identity.provider, identity.subject, identity.email) == ("kc", ADA.subject, ADA.email)
    assert identity.last_used_at is not None
    # The flow used state, nonce and PKCE (S256), and the code went with its verifier.
    sent = oidc.authorize_requests[-1]
    assert sent["code_challenge_method"] == "S256"
    assert sent["nonce"]
    assert sent["state"]
    assert oidc.token_requests[-1]["code_verifier"]
    [event] = await rows(
        client,
        SecurityEvent,
        SecurityEvent.event == "login.succeeded",
        SecurityEvent.actor_id == user.id,
    )
    assert event.details["method"] == "sso"
    assert event.details["provider"] == "kc"
    # A password sign-in does not work: there is none.
    answer = await client.post(
        "/api/v1/auth/login", json={"email": ADA.email, "password": PASSWORD}
    )
    assert answer.status_code == 401


async def test_a_second_sign_in_is_the_same_account(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    client.cookies.clear()
    signed_in(await sso(client, "kc", "/workspaces"), client, "/workspaces")
    assert await count(client, User) == 1
    assert await count(client, UserIdentity) == 1


async def test_an_existing_user_is_linked_by_a_verified_email(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    made = await register(client, ADA.email)
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    [user] = await rows(client, User)
    assert user.id == made["id"]
    assert user.email_verified is True  # the provider verified it
    assert user.password_hash is not None  # the password still works
    [identity] = await rows(client, UserIdentity)
    assert identity.user_id == made["id"]


async def test_an_unverified_email_links_nothing_and_creates_nothing(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    await register(client, ADA.email)
    with_person(oidc, ADA, email_verified=False)
    refused(await sso(client, "kc"), 403, "not verified")
    assert "st_session" not in client.cookies
    assert await count(client, UserIdentity) == 0
    # Nor for a new address: nobody is created from an unverified email.
    with_person(oidc, ADA, subject="kc-someone", email="someone@example.com", email_verified=False)
    refused(await sso(client, "kc"), 403, "not verified")
    assert await count(client, User) == 1


@pytest.mark.parametrize(
    ("misbehaviour", "words"),
    [
        (Misbehaviour(nonce="another-sign-ins-nonce"), "belongs to another sign-in"),
        (Misbehaviour(other_key=True), "not signed with one of its published keys"),
        (Misbehaviour(audience="some-other-app"), "issued for another application"),
        (Misbehaviour(expired=True), "has expired"),
        (Misbehaviour(issuer="https://evil.example/realms/acme"), "another identity provider"),
    ],
    ids=["wrong nonce", "another key", "another audience", "expired", "another issuer"],
)
async def test_a_forged_or_stale_id_token_is_refused(
    client: httpx.AsyncClient, oidc: OidcProvider, misbehaviour: Misbehaviour, words: str
) -> None:
    oidc.next_person = ADA
    oidc.misbehave = misbehaviour
    refused(await sso(client, "kc"), 400, "could not be verified", words)
    assert "st_session" not in client.cookies
    assert await count(client, User) == 0
    assert await count(client, UserIdentity) == 0
    [failed] = await rows(client, SecurityEvent, SecurityEvent.event == "login.failed")
    assert failed.actor_id is None
    assert failed.details["method"] == "sso"


async def test_a_tampered_state_is_refused(client: httpx.AsyncClient, oidc: OidcProvider) -> None:
    oidc.next_person = ADA
    path = await at_provider(await begin(client, "kc"))
    state = parse_qs(urlsplit(path).query)["state"][0]
    tampered = path.replace(f"state={state}", f"state={state[:-2]}xx")
    refused(await back(client, tampered), 400, "cannot be finished")
    missing = path.replace(f"state={state}", "state=")
    refused(await back(client, missing), 400, "cannot be finished")
    assert await count(client, User) == 0
    # The real answer, in this browser, still works: a forged one spent nothing.
    signed_in(await back(client, path), client)


async def test_an_answer_in_another_browser_is_refused(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    """Login CSRF: the attacker's own callback URL, opened in the victim's browser (which
    has no `st_sso` cookie of that attempt), does not sign the victim in."""
    oidc.next_person = ADA
    path = await at_provider(await begin(client, "kc"))
    victim = httpx.AsyncClient(transport=client._transport, base_url=APP)  # type: ignore[attr-defined]
    async with victim:
        refused(await back(victim, path), 400, "not started in this browser")
        assert "st_session" not in victim.cookies
        victim.cookies.set("st_sso", "A" * 43, domain="testserver", path="/auth/oidc")
        refused(await back(victim, path), 400, "cannot be finished")
    assert await count(client, User) == 0


async def test_a_replayed_code_is_refused(client: httpx.AsyncClient, oidc: OidcProvider) -> None:
    oidc.next_person = ADA
    path = await at_provider(await begin(client, "kc"))
    signed_in(await back(client, path), client)
    client.cookies.delete("st_session")
    # The same answer again: its attempt was used.
    refused(await back(client, path), 400, "finished already")
    # The code with a new attempt's state: the provider refuses a second exchange.
    code = parse_qs(urlsplit(path).query)["code"][0]
    fresh = await at_provider(await begin(client, "kc"))
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    replay = f"/auth/oidc/kc/callback?code={code}&state={state}"
    refused(await back(client, replay), 400, "refused the sign-in code")
    assert "st_session" not in client.cookies
    assert await count(client, UserIdentity) == 1


async def test_a_code_without_its_pkce_verifier_is_refused(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    """The provider checks PKCE: a code exchanged with another trip's verifier fails."""
    oidc.next_person = ADA
    sso_settings = app_of(client).state.settings.sso
    provider = sso_settings.get("kc")
    trip = providers.new_trip()
    url = await providers.authorization_url(provider, sso_settings, trip)
    code = parse_qs(urlsplit(await at_provider(url)).query)["code"][0]
    other = providers.Trip(trip.state, trip.nonce, providers.new_trip().code_verifier)
    with pytest.raises(providers.ProviderFailed) as failed:
        await providers.verified_person(provider, sso_settings, code, other)
    assert failed.value.reason == "code_refused"


async def test_the_provider_saying_no_is_a_clear_page(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    url = await begin(client, "kc")
    state = parse_qs(urlsplit(url).query)["state"][0]
    answer = await back(client, f"/auth/oidc/kc/callback?error=access_denied&state={state}")
    refused(answer, 400, "you cancelled it")


async def test_a_disabled_user_cannot_come_back(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    client.cookies.clear()
    await set_user(client, ADA.email, is_active=False)
    refused(await sso(client, "kc"), 403, "disabled", "administrator")
    assert "st_session" not in client.cookies
    assert await count(client, User) == 1
    [failed] = await rows(client, SecurityEvent, SecurityEvent.event == "login.failed")
    [user] = await rows(client, User)
    assert failed.actor_id == user.id
    assert failed.details == {"reason": "account_disabled", "method": "sso", "provider": "kc"}


async def test_a_deleted_user_cannot_come_back(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    client.cookies.clear()
    async with app_of(client).state.database.session() as session:
        user = (await session.execute(select(User))).scalar_one()
        await accounts_service.erase(session, user)
        await session.commit()
    refused(await sso(client, "kc"), 403, "deleted")
    assert "st_session" not in client.cookies
    assert await count(client, User) == 1  # no new account for the same person either


async def test_totp_is_still_asked(client: httpx.AsyncClient, oidc: OidcProvider) -> None:
    await register(client, ADA.email)
    headers = bearer((await login(client, ADA.email))["access_token"])
    secret = await enable_totp(client, headers)
    oidc.next_person = ADA
    answer = await sso(client, "kc", "/workspaces")
    assert answer.status_code == 200, answer.text
    assert "One-time code" in answer.text
    assert 'action="/login/code"' in answer.text
    assert "st_session" not in client.cookies
    # Not linked by a sign-in whose second factor is still to come.
    assert await count(client, UserIdentity) == 0
    step = re.search(r'name="step" value="([^"]+)"', answer.text)
    assert step is not None
    form = {
        "csrf_token": csrf_of(answer),
        "step": step.group(1),
        "code": totp_code(secret),
        "next": "/workspaces",
    }
    done = await client.post("/login/code", data=form)
    signed_in(done, client, "/workspaces")


async def test_a_trusted_providers_mfa_stands_in_for_totp(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    await register(client, ADA.email)
    headers = bearer((await login(client, ADA.email))["access_token"])
    await enable_totp(client, headers)
    with_person(oidc, ADA, amr=("pwd", "mfa"))
    # The provider the operator trusts for MFA: signed in at once.
    signed_in(await sso(client, "kc-mfa"), client)
    # The same answer from a provider not trusted for it: the code is still asked.
    client.cookies.clear()
    with_person(oidc, ADA, amr=("pwd", "mfa"))
    answer = await sso(client, "kc")
    assert answer.status_code == 200
    assert 'action="/login/code"' in answer.text
    # Trusted, but the provider did not use a second factor: asked too.
    client.cookies.clear()
    with_person(oidc, ADA, amr=("pwd",))
    answer = await sso(client, "kc-mfa")
    assert answer.status_code == 200
    assert 'action="/login/code"' in answer.text


async def test_a_domain_not_allowed_is_refused(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA  # @example.com
    refused(await sso(client, "acme-only"), 403, "example.com", "cannot sign in")
    assert await count(client, User) == 0
    with_person(oidc, ADA, subject="kc-acme-1", email="ada@acme.example")
    signed_in(await sso(client, "acme-only"), client)


async def test_a_provider_that_may_not_create_users_says_so(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    refused(await sso(client, "invite-only"), 403, "no account", "administrator")
    assert await count(client, User) == 0
    await register(client, ADA.email)  # once the account exists, it links
    oidc.next_person = ADA
    signed_in(await sso(client, "invite-only"), client)


async def test_after_sign_in_the_browser_goes_to_a_local_path_only(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    for target, expected in [
        ("/projects/p1?view=board", "/projects/p1?view=board"),
        ("https://evil.example/", "/my-tasks"),
        ("//evil.example/x", "/my-tasks"),
        ("/\\evil.example", "/my-tasks"),
    ]:
        client.cookies.clear()
        oidc.next_person = ADA
        signed_in(await sso(client, "kc", target), client, expected)


async def test_unknown_providers_are_the_not_found_page(client: httpx.AsyncClient) -> None:
    for path in ("/auth/oidc/nope/login", "/auth/oidc/nope/callback?state=x&code=y"):
        answer = await client.get(path, headers=BROWSER)
        assert answer.status_code == 404, answer.text
        assert "Page not found" in answer.text
    bad = await client.get("/auth/oidc/NOT!valid/login", headers=BROWSER)
    assert bad.status_code in (404, 422)
    nul = await client.get("/auth/oidc/kc/callback?state=%00&code=x", headers=BROWSER)
    assert nul.status_code == 422


async def test_the_sign_in_page_offers_each_provider(client: httpx.AsyncClient) -> None:
    page = await client.get("/login?next=/workspaces", headers=BROWSER)
    assert page.status_code == 200
    for name, label in [("kc", "Keycloak"), ("github", "GitHub"), ("acme-only", "Acme")]:
        assert f'href="/auth/oidc/{name}/login?next=/workspaces"' in page.text
        assert f"Sign in with {label}" in page.text


async def test_github_signs_in_with_a_verified_primary_email(
    client: httpx.AsyncClient, github: GitHubServer
) -> None:
    github.next_person = GitHubAccount(
        7, "ada", "ada@example.com", verified=False, others=(("ada@work.example", True),)
    )
    refused(await sso(client, "github"), 403, "not verified")  # a verified other one is not enough
    assert await count(client, User) == 0
    github.next_person = GRACE
    signed_in(await sso(client, "github"), client)
    [user] = await rows(client, User)
    assert (user.email, user.name, user.password_hash) == (GRACE.email, GRACE.name, None)
    [identity] = await rows(client, UserIdentity)
    assert (identity.provider, identity.subject) == ("github", str(GRACE.id))
    sent = github.authorize_requests[-1]
    assert sent["code_challenge_method"] == "S256"
    assert sent["state"]
    assert github.token_requests[-1]["code_verifier"]
    # A replayed GitHub code: GitHub's 200 with an error, refused.
    client.cookies.delete("st_session")
    path = await at_provider(await begin(client, "github"))
    code = parse_qs(urlsplit(path).query)["code"][0]
    signed_in(await back(client, path), client)
    client.cookies.delete("st_session")
    fresh = await at_provider(await begin(client, "github"))
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    replay = f"/auth/oidc/github/callback?code={code}&state={state}"
    refused(await back(client, replay), 400, "refused the sign-in code")


async def test_attempts_are_purged_a_day_after_they_expire(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    from datetime import timedelta

    from smarttask.sso import service

    await begin(client, "kc")
    await begin(client, "github")
    async with app_of(client).state.database.session() as session:
        assert await service.purge(session) == 0  # not expired yet
        assert await service.purge(session, keep=timedelta(days=-1)) == 2
        await session.commit()
    assert await count(client, SsoAttempt) == 0
