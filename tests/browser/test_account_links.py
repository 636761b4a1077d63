"""The account mails' pages in a real browser, with the mail read from a real SMTP server
(aiosmtpd) that the live server's in-process job worker sends to: a forgotten password from
the sign-in page to a new password, email verification, and an invitation accepted."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from playwright.async_api import expect

from tests.support import BACKENDS
from tests.support.account_mail import SmtpServer, html_of, smtp_server, text_of
from tests.support.browser import (
    PASSWORD,
    LiveServer,
    assert_accessible,
    live_server,
    register,
    screenshot,
    sign_in,
    unique_email,
)
from tests.support.log_scan import register_secret
from tests.support.web_workspaces import create_workspace

PageFactory = Any
NEW_PASSWORD = "lantern-harbour-quiet-2031"
MAIL_WAIT_SECONDS = 60.0


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SmtpServer]:
    """The SMTP server the live server mails to."""
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
async def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    mailbox: SmtpServer,
) -> AsyncIterator[LiveServer]:
    """A `smarttask serve` of the backend whose mail goes to `mailbox` (SMARTTASK_MAIL_URL)."""
    backend = str(request.param)
    async with live_server(
        backend,
        tmp_path_factory.mktemp(f"mail-{backend}"),
        SMARTTASK_MAIL_URL=f"smtp://127.0.0.1:{mailbox.port}",
        SMARTTASK_MAIL_FROM="smarttask <accounts@example.org>",
    ) as running:
        yield running


async def mail_to(mailbox: SmtpServer, email: str, subject_part: str) -> EmailMessage:
    """The first mail to `email` with this in its subject, once it arrives (bounded wait)."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        found = mailbox.to(email, subject_part)
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail to {email} about {subject_part!r} in {MAIL_WAIT_SECONDS} s")


def link(mail: EmailMessage, server: LiveServer, path: str) -> str:
    """The link of a mail, on the live server's public URL (the same in both parts)."""
    found = re.search(re.escape(server.base_url + path) + r"\?token=[A-Za-z0-9_\-]+", text_of(mail))
    assert found is not None, text_of(mail)
    assert found.group(0) in html_of(mail)
    register_secret(found.group(0).rsplit("=", 1)[1])
    return found.group(0)


async def test_a_forgotten_password_is_reset_through_the_mailed_link(
    new_page: PageFactory, server: LiveServer, mailbox: SmtpServer
) -> None:
    before = await new_page()
    email = await register(before, "Ada Lovelace")  # signed in here, until the reset

    page = await new_page()
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.wait_for_url(re.compile(r".*/forgot-password$"))
    await assert_accessible(page)
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name="Mail me a link").click()
    await expect(page.locator("#reset-sent")).to_contain_text("on its way")
    await screenshot(page, "account-forgot-password-sent")

    # An unknown address reads exactly the same.
    other = await new_page()
    await other.goto("/forgot-password")
    await other.get_by_label("Email").fill(unique_email("nobody"))
    await other.get_by_role("button", name="Mail me a link").click()
    await expect(other.locator("#reset-sent")).to_contain_text("on its way")

    url = link(
        await mail_to(mailbox, email, "Reset your smarttask password"), server, "/reset-password"
    )
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "account-reset-password")
    await page.get_by_label("New password").fill("password123")  # a common one
    await page.get_by_role("button", name="Set the new password").click()
    await expect(page.locator("#new_password-error")).to_contain_text("common")
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set the new password").click()
    await page.wait_for_url(re.compile(r".*/login\?notice=password-changed$"))

    await sign_in(page, email, NEW_PASSWORD)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))

    # The link worked once; the session from before the reset is over.
    await page.goto(url)
    await expect(page.locator("#reset-error")).to_contain_text("not valid any more")
    await before.goto("/my-tasks")
    await before.wait_for_url(re.compile(r".*/login\?next=.*"))
    await sign_in(before, email, PASSWORD)
    await expect(before.locator("#login-error")).to_be_visible()
    assert url.rsplit("=", 1)[1] not in server.log()


async def test_the_verification_link_confirms_the_address_with_a_button(
    new_page: PageFactory, server: LiveServer, mailbox: SmtpServer
) -> None:
    page = await new_page()
    email = await register(page, "Grace Hopper")
    url = link(await mail_to(mailbox, email, "Confirm your email address"), server, "/verify-email")
    await page.goto(url)  # opening the link alone confirms nothing
    button = page.get_by_role("button", name="Confirm my email address")
    await expect(button).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "account-verify-email")
    await button.click()
    await expect(page.locator("#verified")).to_contain_text("confirmed")
    await page.goto(url)
    await page.get_by_role("button", name="Confirm my email address").click()
    await expect(page.get_by_role("alert")).to_contain_text("not valid any more")
    await expect(page.locator("main")).to_contain_text("confirmed already")


async def test_a_new_verification_mail_is_asked_for_from_the_page(
    new_page: PageFactory, server: LiveServer, mailbox: SmtpServer
) -> None:
    page = await new_page()
    email = await register(page, "Katherine Johnson")
    first = link(
        await mail_to(mailbox, email, "Confirm your email address"), server, "/verify-email"
    )
    await page.goto("/verify-email")
    await page.get_by_role("button", name="Mail me a new link").click()
    await expect(page.locator("#resent")).to_contain_text(email)
    await assert_accessible(page)
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while len(mailbox.to(email, "Confirm your email address")) < 2:
        assert time.monotonic() < deadline, "no second verification mail"
        await asyncio.sleep(0.1)
    second = link(mailbox.to(email, "Confirm your email address")[1], server, "/verify-email")
    await page.goto(first)  # replaced by the newer mail
    await page.get_by_role("button", name="Confirm my email address").click()
    await expect(page.get_by_role("alert")).to_contain_text("not valid any more")
    await page.goto(second)
    await page.get_by_role("button", name="Confirm my email address").click()
    await expect(page.locator("#verified")).to_contain_text("confirmed")


async def test_an_invitation_is_sent_from_the_settings_page_and_accepted(
    new_page: PageFactory, server: LiveServer, mailbox: SmtpServer
) -> None:
    owner = await new_page()
    await register(owner, "Owner Olga")
    workspace_id = await create_workspace(owner, "Lighthouse")
    await owner.goto(f"/workspaces/{workspace_id}/settings")
    invited = unique_email("invited")
    section = owner.get_by_role("region", name="Invite by email")
    await section.get_by_label("Email", exact=True).fill(invited)
    await section.get_by_label("Role").select_option("viewer")
    await section.get_by_role("button", name="Send invitation").click()
    await expect(owner.locator("#invitations")).to_contain_text(invited)
    await assert_accessible(owner)
    await screenshot(owner, "account-invitations-pending")

    url = link(await mail_to(mailbox, invited, "invited you"), server, "/invitations/accept")

    # Signed out: the page says what the invitation is and how to accept it.
    guest = await new_page()
    await guest.goto(url)
    await expect(guest.locator("#invitation-summary")).to_contain_text("Lighthouse")
    await expect(guest.locator("#invitation-summary")).to_contain_text("Viewer")
    await assert_accessible(guest)
    await screenshot(guest, "account-invitation-signed-out")

    # Someone else signed in cannot accept it.
    stranger = await new_page()
    await register(stranger, "Mallory")
    await stranger.goto(url)
    await expect(stranger.locator(".flash-warn")).to_contain_text("another email address")

    # Create the account from the page and come back to accept.
    await guest.get_by_role("link", name="Create an account").click()
    await guest.get_by_label("Name").fill("Ivy Invited")
    await guest.get_by_label("Email").fill(invited)
    await guest.get_by_label("Password").fill(PASSWORD)
    await guest.get_by_role("button", name="Create account").click()
    await guest.wait_for_url(re.compile(r".*/invitations/accept\?token=.*"))
    accept = guest.get_by_role("button", name="Accept and join Lighthouse")
    await expect(accept).to_be_visible()
    await screenshot(guest, "account-invitation-accept")
    await accept.click()
    await guest.wait_for_url(re.compile(rf".*/workspaces/{workspace_id}$"))
    await expect(guest.get_by_role("heading", name="Lighthouse", level=1)).to_be_visible()

    await owner.goto(f"/workspaces/{workspace_id}/settings")
    await expect(owner.get_by_role("region", name="Members")).to_contain_text(invited)
    await expect(owner.locator("#invitations")).to_contain_text("No pending invitations")

    # Once only.
    await guest.goto(url)
    await expect(guest.locator("#invitation-error")).to_contain_text("not valid any more")


async def test_a_pending_invitation_is_revoked_from_the_settings_page(
    new_page: PageFactory,
) -> None:
    owner = await new_page()
    await register(owner, "Owner Otto")
    workspace_id = await create_workspace(owner, "Harbour")
    await owner.goto(f"/workspaces/{workspace_id}/settings")
    section = owner.get_by_role("region", name="Invite by email")
    await section.get_by_role("button", name="Send invitation").click()  # empty: refused
    await expect(owner.locator("#invite-email-error")).to_be_visible()
    invited = unique_email("revoked")
    await section.get_by_label("Email", exact=True).fill(invited)
    await section.get_by_role("button", name="Send invitation").click()
    await expect(owner.locator("#invitations")).to_contain_text(invited)
    await owner.get_by_role("button", name=f"Revoke the invitation of {invited}").click()
    await expect(owner.locator("#invitations")).to_contain_text("No pending invitations")


async def test_the_forms_refuse_a_post_without_this_browsers_csrf_token(
    new_page: PageFactory,
) -> None:
    page = await new_page()
    await page.goto("/forgot-password")
    for path, form in (
        ("/forgot-password", {"email": "someone@example.com"}),
        ("/reset-password", {"token": "t" * 43, "new_password": NEW_PASSWORD}),
        ("/verify-email", {"token": "t" * 43}),
        ("/invitations/accept", {"token": "t" * 43}),
    ):
        refused = await page.request.post(path, form=form, max_redirects=0)
        assert refused.status == 403, (path, refused.status)
        forged = await page.request.post(
            path, form={**form, "csrf_token": "0" * 64}, max_redirects=0
        )
        assert forged.status == 403, (path, forged.status)
