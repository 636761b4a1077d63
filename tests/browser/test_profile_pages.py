"""The profile page in a real browser: name, password, two-step sign-in (set up here, then
used by the sign-in pages) and personal API tokens."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import (
    PASSWORD,
    LiveServer,
    assert_accessible,
    register,
    screenshot,
    sign_in,
)
from tests.support.log_scan import register_secret
from tests.support.web_workspaces import code_at, wrong_code

PageFactory = Any
NEW_PASSWORD = "violet-anchor-meadow-77"


def section(page: Any, name: str) -> Any:
    """One of the profile page's sections, by its heading."""
    return page.get_by_role("region", name=name)


async def sign_out(page: Any) -> None:
    """Sign out with the header's button."""
    await page.goto("/profile")
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r".*/login$"))


async def test_the_name_changes_and_the_email_is_shown(new_page: PageFactory) -> None:
    page = await new_page()
    email = await register(page, "Ada Lovelace")
    await page.goto("/profile")
    await assert_accessible(page)
    naming = section(page, "Name and email")
    assert email in await naming.inner_text()
    await naming.get_by_label("Name").fill("")
    await naming.get_by_role("button", name="Save name").click()
    await page.wait_for_selector("#profile-name-error")
    await assert_accessible(page)
    naming = section(page, "Name and email")
    await naming.get_by_label("Name").fill("Ada King")
    await naming.get_by_role("button", name="Save name").click()
    await page.wait_for_url(re.compile(r".*/profile\?saved=name$"))
    assert "Your name is saved." in await page.locator("main").get_by_role("status").inner_text()
    assert await section(page, "Name and email").get_by_label("Name").input_value() == "Ada King"


async def test_the_profile_fits_a_phone(new_page: PageFactory) -> None:
    page = await new_page(viewport={"width": 375, "height": 800})
    await register(page, "Grace Hopper")
    await page.goto("/profile")
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
    await screenshot(page, "profile-phone")
    tokens = section(page, "Personal API tokens")
    await tokens.get_by_label("Token name").fill("Phone")
    await tokens.get_by_label("Current password").fill(PASSWORD)
    await tokens.get_by_role("button", name="Create token").click()
    await page.wait_for_selector("#new-token")
    register_secret(await page.locator("#new-token").input_value())
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
    await page.locator("#new-token").scroll_into_view_if_needed()
    await screenshot(page, "profile-token-phone")
    await assert_accessible(page)


async def test_a_password_change_signs_out_everywhere(new_page: PageFactory) -> None:
    page = await new_page()
    email = await register(page, "Grace Hopper")
    elsewhere = await new_page()
    await sign_in(elsewhere, email)
    await elsewhere.goto("/profile")
    assert re.search(r"/profile$", elsewhere.url)

    await page.goto("/profile")
    changing = section(page, "Password")
    await changing.get_by_label("Current password").fill(PASSWORD + "-wrong")
    await changing.get_by_label("New password").fill(NEW_PASSWORD)
    async with page.expect_response(re.compile(r"/profile/password$")) as answer:
        await changing.get_by_role("button", name="Change password").click()
    assert (await answer.value).status == 422
    current = section(page, "Password").get_by_label("Current password")
    assert await current.get_attribute("aria-invalid") == "true"
    assert "wrong" in await page.locator("#password-current-error").inner_text()
    await assert_accessible(page)

    changing = section(page, "Password")
    await changing.get_by_label("Current password").fill(PASSWORD)
    await changing.get_by_label("New password").fill(NEW_PASSWORD)
    await changing.get_by_role("button", name="Change password").click()
    await page.wait_for_url(re.compile(r".*/login\?notice=password-changed$"))
    assert "ended every sign-in" in await page.locator("main").get_by_role("status").inner_text()
    await assert_accessible(page)

    for browser in (page, elsewhere):
        await browser.goto("/profile")
        assert re.search(r"/login\?next=/profile$", browser.url)
    await sign_in(page, email)
    assert "wrong" in await page.get_by_role("alert").inner_text()
    await sign_in(page, email, NEW_PASSWORD)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))


async def test_two_step_sign_in_set_up_on_the_profile_then_used(new_page: PageFactory) -> None:
    page = await new_page()
    email = await register(page, "Tess Totp")
    await page.goto("/profile")
    two_step = section(page, "Two-step sign-in")
    assert "Off" in await two_step.inner_text()

    # A wrong password starts nothing, and says so beside the field.
    await two_step.get_by_label("Current password").fill("not-my-password")
    await two_step.get_by_role("button", name="Set up two-step sign-in").click()
    await page.wait_for_selector("#totp-current-error")
    assert await page.locator("img.qr").count() == 0
    await assert_accessible(page)

    two_step = section(page, "Two-step sign-in")
    await two_step.get_by_label("Current password").fill(PASSWORD)
    await two_step.get_by_role("button", name="Set up two-step sign-in").click()
    qr = page.get_by_role("img", name=re.compile("QR code"))
    await qr.wait_for()
    assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    assert await qr.evaluate("image => image.complete && image.naturalWidth > 0")
    secret = await page.get_by_label("Key to type in instead of scanning").input_value()
    register_secret(secret)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    copy = section(page, "Two-step sign-in").get_by_role("button", name="Copy the key")
    assert await copy.get_attribute("data-copy-target") == "totp-secret"
    await assert_accessible(page)
    await screenshot(page, "profile-totp-setup")

    # A wrong code keeps the set-up on screen, the error beside the code.
    two_step = section(page, "Two-step sign-in")
    await two_step.get_by_label("Code from the app").fill(wrong_code(secret))
    await two_step.get_by_label("Current password").fill(PASSWORD)
    await two_step.get_by_role("button", name="Turn on two-step sign-in").click()
    await page.wait_for_selector("#totp-code-error")
    assert await page.get_by_role("img", name=re.compile("QR code")).is_visible()
    await assert_accessible(page)

    two_step = section(page, "Two-step sign-in")
    await two_step.get_by_label("Code from the app").fill(code_at(secret))
    await two_step.get_by_label("Current password").fill(PASSWORD)
    await two_step.get_by_role("button", name="Turn on two-step sign-in").click()
    await page.wait_for_url(re.compile(r".*/profile\?saved=totp-on$"))
    assert "On" in await section(page, "Two-step sign-in").inner_text()
    await assert_accessible(page)

    # Signing in now takes a code: a wrong one is refused, a right one lets in once.
    await sign_out(page)
    await sign_in(page, email)
    assert await page.get_by_role("heading", name="Two-step sign-in").is_visible()
    await assert_accessible(page)
    async with page.expect_response(re.compile(r"/login/code$")) as answer:
        await page.get_by_label("One-time code").fill(wrong_code(secret))
        await page.get_by_role("button", name="Verify").click()
    assert (await answer.value).status == 401
    assert "wrong" in await page.get_by_role("alert").inner_text()
    code = code_at(secret, 30)  # the next time step: the set-up used this one
    await page.get_by_label("One-time code").fill(code)
    await page.get_by_role("button", name="Verify").click()
    await page.wait_for_url(re.compile(r".*/my-tasks$"))

    await sign_out(page)
    await sign_in(page, email)
    async with page.expect_response(re.compile(r"/login/code$")) as answer:
        await page.get_by_label("One-time code").fill(code)
        await page.get_by_role("button", name="Verify").click()
    assert (await answer.value).status == 401
    assert "already used" in await page.get_by_role("alert").inner_text()


async def enable_two_step(page: Any) -> str:
    """Turn two-step sign-in on through the profile page; its secret."""
    await page.goto("/profile")
    two_step = section(page, "Two-step sign-in")
    await two_step.get_by_label("Current password").fill(PASSWORD)
    await two_step.get_by_role("button", name="Set up two-step sign-in").click()
    secret = await page.get_by_label("Key to type in instead of scanning").input_value()
    register_secret(secret)
    two_step = section(page, "Two-step sign-in")
    await two_step.get_by_label("Code from the app").fill(code_at(secret))
    await two_step.get_by_label("Current password").fill(PASSWORD)
    await two_step.get_by_role("button", name="Turn on two-step sign-in").click()
    await page.wait_for_url(re.compile(r".*/profile\?saved=totp-on$"))
    return str(secret)


async def test_two_step_sign_in_is_turned_off_with_proof(new_page: PageFactory) -> None:
    page = await new_page()
    email = await register(page, "Otto Off")
    await enable_two_step(page)
    removing = page.get_by_role("form", name="Turn it off")
    await removing.get_by_label("Current password").fill("not-my-password")
    await removing.get_by_role("button", name="Turn off two-step sign-in").click()
    await page.wait_for_selector("#totp-remove-error")
    assert "wrong" in await page.locator("#totp-remove-error").inner_text()
    await assert_accessible(page)

    removing = page.get_by_role("form", name="Turn it off")
    await removing.get_by_label("Current password").fill(PASSWORD)
    await removing.get_by_role("button", name="Turn off two-step sign-in").click()
    await page.wait_for_url(re.compile(r".*/profile\?saved=totp-off$"))
    await expect(section(page, "Two-step sign-in")).to_contain_text("Off")
    await sign_out(page)
    await sign_in(page, email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))


async def test_an_api_token_is_shown_once_works_and_is_revoked(
    new_page: PageFactory, server: LiveServer
) -> None:
    page = await new_page(permissions=["clipboard-read", "clipboard-write"])
    email = await register(page, "Tom Token")
    await page.goto("/profile")
    tokens = section(page, "Personal API tokens")
    assert "No API tokens" in await tokens.inner_text()

    await tokens.get_by_label("Token name").fill("CI pipeline")
    await tokens.get_by_label("Current password").fill("not-my-password")
    await tokens.get_by_role("button", name="Create token").click()
    await page.wait_for_selector("#token-current-error")
    assert await section(page, "Personal API tokens").get_by_label("Token name").input_value() == (
        "CI pipeline"
    )
    await assert_accessible(page)

    tokens = section(page, "Personal API tokens")
    await tokens.get_by_label("Current password").fill(PASSWORD)
    await tokens.get_by_role("button", name="Create token").click()
    shown = page.locator("#new-token")
    await shown.wait_for()
    secret = await shown.input_value()
    register_secret(secret)
    assert await shown.get_attribute("readonly") is not None
    copy = page.get_by_role("button", name="Copy the token")
    assert await copy.get_attribute("data-copy-target") == "new-token"
    await copy.click()
    await page.get_by_text("Copied to the clipboard.").wait_for()
    assert await page.evaluate("() => navigator.clipboard.readText()") == secret
    await assert_accessible(page)
    await screenshot(page, "profile-token")

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        headers = {"Authorization": f"Bearer {secret}"}
        me = await http.get("/api/v1/users/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["email"] == email

        # Shown once: the page never shows the secret again, only its last characters.
        await page.goto("/profile")
        assert secret not in await page.content()
        entry = section(page, "Personal API tokens").locator("li").filter(has_text="CI pipeline")
        assert secret[-4:] in await entry.inner_text()
        assert "Never" in await entry.inner_text()  # it does not expire
        await entry.get_by_role("button", name="Revoke CI pipeline").click()
        await page.wait_for_url(re.compile(r".*/profile\?saved=token-revoked$"))
        assert "No API tokens" in await section(page, "Personal API tokens").inner_text()
        assert (await http.get("/api/v1/users/me", headers=headers)).status_code == 401
