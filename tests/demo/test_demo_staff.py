"""The demo staff member: not a superuser, runs the business, and can log in to the admin
(second factor included) with only what `make run`'s banner prints."""

from __future__ import annotations

import re
from base64 import b32decode
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.users import (
    DEFAULT_PASSWORD,
    DEMO_STAFF,
    STAFF_EMAIL,
    TRAVELER_EMAIL,
    ensure_demo_users,
)

pytestmark = pytest.mark.django_db

BUSINESS_PAGES = [
    "/admin/bookings/booking/", "/admin/bookings/refund/", "/admin/bookings/payment/",
    "/admin/reviews/review/", "/admin/catalog/hotel/", "/admin/catalog/flightfare/",
    "/admin/analytics/dashboard/", "/admin/audit/auditentry/",
]  # fmt: skip


def banner() -> str:
    out = StringIO()
    call_command("demo_banner", "--port", "9123", stdout=out)
    return out.getvalue()


def admin_login(client: Client, code: str, username: str = STAFF_EMAIL) -> int:
    client.post("/admin/login/", {"username": username, "password": DEFAULT_PASSWORD})
    return client.post("/admin/second-factor/", {"code": code, "next": "/admin/"}).status_code


def test_the_demo_passwords_pass_every_password_rule():
    ensure_demo_users()

    for email in (STAFF_EMAIL, TRAVELER_EMAIL):
        validate_password(DEFAULT_PASSWORD, user=get_user_model().objects.get(email=email))


def test_the_demo_staff_member_is_no_superuser_but_can_run_the_business():
    ensure_demo_users()
    staff = get_user_model().objects.get(email=STAFF_EMAIL)

    assert staff.is_staff
    assert not staff.is_superuser
    for perm in ("bookings.view_booking", "bookings.view_refund", "reviews.change_review",
                 "reviews.delete_review", "catalog.change_hotel", "catalog.add_roomnight",
                 "analytics.view_event", "audit.view_auditentry"):  # fmt: skip
        assert staff.has_perm(perm), perm
    assert staff.has_perm("accounts.change_user")  # the Admin role gives staff their roles
    assert staff.has_perm("auth.change_group")


def test_the_banner_prints_what_the_admin_login_needs():
    # given: make run's demo data and banner
    ensure_demo_users()
    text = banner()
    uri = re.search(r"otpauth://totp/\S+", text).group(0)
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    recovery = re.search(r"recovery code \(each works once\): (\S+),", text).group(1)
    # when: a newcomer logs in with the password and the code their app shows
    app, paper = Client(), Client()
    by_app = admin_login(app, f"{totp(b32decode(secret)):06d}")
    by_recovery_code = admin_login(paper, recovery)
    # then
    assert DEFAULT_PASSWORD in text
    assert f"key {secret}" in text
    assert "issuer=TravelGuru" in uri
    assert (by_app, by_recovery_code) == (302, 302)
    assert {page: app.get(page).status_code for page in BUSINESS_PAGES} == dict.fromkeys(
        BUSINESS_PAGES, 200
    )
    assert recovery not in banner()  # used: the next banner offers the others


def test_demo_otp_code_prints_the_code_the_admin_accepts():
    ensure_demo_users()
    out = StringIO()

    call_command("demo_otp_code", stdout=out)

    assert re.fullmatch(r"\d{6}\n", out.getvalue())
    assert admin_login(Client(), out.getvalue().strip()) == 302


def test_a_device_the_staff_member_set_up_themselves_is_never_printed():
    ensure_demo_users()
    staff = get_user_model().objects.get(email=STAFF_EMAIL)
    TOTPDevice.objects.filter(user=staff).delete()
    own = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)

    ensure_demo_users()
    text = banner()

    assert list(TOTPDevice.objects.filter(user=staff)) == [own]
    assert "otpauth://" not in text
    with pytest.raises(CommandError):
        call_command("demo_otp_code", stdout=StringIO())


def test_an_older_demo_database_s_superuser_is_brought_in_line():
    User = get_user_model()
    User.objects.create_superuser(username="staff", email=STAFF_EMAIL, password=DEFAULT_PASSWORD)

    ensure_demo_users()

    staff = User.objects.get(email=STAFF_EMAIL)
    assert not staff.is_superuser
    assert list(staff.groups.values_list("name", flat=True)) == ["Admin"]
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1


def test_a_demo_password_that_breaks_the_rules_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "short")

    with pytest.raises(CommandError, match="at least 12 characters"):
        ensure_demo_users()

    assert not get_user_model().objects.exists()


def test_every_role_s_demo_staff_member_logs_in_with_the_banner_s_key_and_sees_their_pages():
    # given
    ensure_demo_users()
    shown = re.search(r"key ([A-Z2-7]+)", banner())
    assert shown is not None, "the banner shows the demo authenticator's key"
    secret = shown.group(1)
    code = f"{totp(b32decode(secret)):06d}"
    pages = {
        "Support agent": "/admin/bookings/booking/",
        "Revenue manager": "/admin/catalog/roomnight/",
        "Content moderator": "/admin/reviews/review/",
        "Analyst": "/admin/analytics/dashboard/",
        "Property manager": "/admin/reviews/review/",
        "Admin": "/admin/accounts/user/",
    }
    seen, refused = {}, {}
    for email, _, _, role in DEMO_STAFF:
        client = Client()
        # when: each logs in with the same key's current code (one use per account)
        assert admin_login(client, code, username=email) == 302, email
        seen[role] = client.get(pages[role]).status_code
        refused[role] = client.get("/admin/auth/group/").status_code
    # then
    assert all(f"{email} / {DEFAULT_PASSWORD}   (role: {role})" in banner()
               for email, _, _, role in DEMO_STAFF[1:])  # fmt: skip
    assert seen == dict.fromkeys(pages, 200)
    assert refused == {**dict.fromkeys(pages, 403), "Admin": 200}
