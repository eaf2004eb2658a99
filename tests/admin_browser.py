"""A staff member in Chromium, logged in to the admin the way they do it: password, then
the code their authenticator app shows. The page records uncaught script errors and
failed answers (the favicon aside) for the test to assert empty."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.factories.accounts import PASSWORD, second_factor_for, totp_now


@dataclass
class StaffPage:
    page: Any
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def staff_logged_in(
    browser: Any, base_url: str, user: Any, *, width: int, height: int
) -> StaffPage:
    authenticator = second_factor_for(user)
    seen = StaffPage(browser.new_page(viewport={"width": width, "height": height}))
    seen.page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    seen.page.on(
        "response",
        lambda r: seen.failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    seen.page.goto(f"{base_url}/admin/login/")
    seen.page.fill("#id_username", user.username)
    seen.page.fill("#id_password", PASSWORD)
    seen.page.click("input[type=submit]")
    seen.page.fill("#id_code", totp_now(authenticator))
    seen.page.click("input[type=submit]")
    return seen
