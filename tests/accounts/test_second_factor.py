"""Staff need a second factor for the admin: an authenticator app's code (TOTP) or a
single-use recovery code, set up on their first login; password alone opens nothing."""

from __future__ import annotations

import re
from base64 import b32decode
from binascii import hexlify
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.otp import recovery_codes_replace
from bookings.models import Booking, BookingStatus, Refund
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_create
from search.offers import offer_decode
from tests.factories.accounts import PASSWORD, UserFactory, second_factor_for, totp_now
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
SECOND_FACTOR = "/admin/second-factor/"
ENROL = "/admin/second-factor/enrol/"


@pytest.fixture
def staff():
    return UserFactory.create(username="boss", is_staff=True, is_superuser=True)


def password_step(client: Client, user, ip: str = "203.0.113.20", next_url: str = "/admin/"):
    return client.post(
        f"{LOGIN}?next={quote(next_url)}",
        {"username": user.username, "password": PASSWORD, "next": next_url},
        REMOTE_ADDR=ip,
    )


def code_step(client: Client, code: str, ip: str = "203.0.113.20", next_url: str = "/admin/"):
    return client.post(SECOND_FACTOR, {"code": code, "next": next_url}, REMOTE_ADDR=ip)


def admin_pages() -> list[str]:
    """Every page of every registered model (list, add, one object), the index, the
    dashboard and its CSV files."""
    pages = ["/admin/", "/admin/analytics/dashboard/", "/admin/analytics/dashboard/csv/bookings/"]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages += [reverse("admin:{}_{}_changelist".format(*info)),
                  reverse("admin:{}_{}_add".format(*info)),
                  reverse("admin:{}_{}_change".format(*info), args=[1])]  # fmt: skip
    return pages


def test_a_right_password_alone_opens_no_admin_page(staff):
    # given: the password step passed, the second factor not
    second_factor_for(staff)
    client = Client()
    after_password = password_step(client, staff)

    # when
    answers = {page: client.get(page) for page in admin_pages()}

    # then
    assert after_password.status_code == 302
    assert after_password["Location"] == f"{SECOND_FACTOR}?next=%2Fadmin%2F"
    assert "_auth_user_id" in client.session  # logged in, but not verified
    wrong = {p: r.status_code for p, r in answers.items() if r.status_code != 302}
    assert wrong == {}
    assert all(r["Location"].startswith(LOGIN) for r in answers.values())
    assert len(answers) > 40


def test_admin_actions_by_post_do_nothing_without_the_second_factor(staff, room_type, day):
    # given: a confirmed booking, and staff who passed only the password step
    traveler = UserFactory.create()
    now = timezone.now()
    offer = offer_decode(hotel_offer(room_type, day, 1))
    hold = hold_create(user=traveler, offers=[offer], now=now)
    booking = booking_create(
        user=traveler, hold_id=hold.pk, payment_token="tok_visa", now=now,
        travelers=[TravelerIn(type="adult", first_name="Ada", last_name="Lovelace")],
    )  # fmt: skip
    second_factor_for(staff)
    client = Client()
    password_step(client, staff)

    # when: the cancel-and-refund action, confirmed, straight to the changelist
    response = client.post(
        "/admin/bookings/booking/",
        {"action": "cancel_and_refund", "_selected_action": [booking.pk], "post": "yes"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Refund.objects.exists()


def test_the_authenticator_code_opens_the_admin(staff):
    device = second_factor_for(staff)
    client = Client()
    password_step(client, staff, next_url="/admin/bookings/booking/")
    form = client.get(f"{SECOND_FACTOR}?next=/admin/bookings/booking/")
    session_before = client.session.session_key

    verified = code_step(client, totp_now(device), next_url="/admin/bookings/booking/")

    assert form.status_code == 200
    assert b'name="code"' in form.content
    assert verified.status_code == 302
    assert verified["Location"] == "/admin/bookings/booking/"
    assert client.session.session_key != session_before  # a new session id for the new right
    assert client.get("/admin/bookings/booking/").status_code == 200


def test_a_wrong_code_opens_nothing(staff):
    device = second_factor_for(staff)
    client = Client()
    password_step(client, staff)
    right = totp_now(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = code_step(client, wrong)

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_code_already_used_does_not_open_the_admin_again(staff):
    # given: a session verified with the current code, then logged out
    device = second_factor_for(staff)
    code = totp_now(device)
    first = Client()
    password_step(first, staff)
    assert code_step(first, code).status_code == 302
    # when: the same code, captured, is replayed in another session
    thief = Client()
    password_step(thief, staff, ip="198.51.100.66")
    replayed = code_step(thief, code, ip="198.51.100.66")
    # then
    assert replayed.status_code == 200
    assert "That code is not right" in replayed.content.decode()
    assert thief.get("/admin/").status_code == 302


def test_a_recovery_code_works_once(staff):
    second_factor_for(staff)
    codes = recovery_codes_replace(staff)
    first, second, third = Client(), Client(), Client()
    password_step(first, staff)
    password_step(second, staff)
    password_step(third, staff)

    used = code_step(first, codes[0].upper())  # as read aloud or typed from paper
    other = code_step(third, f" {codes[1][:4]} {codes[1][4:]} ")
    again = code_step(second, codes[0])

    assert used.status_code == 302
    assert first.get("/admin/").status_code == 200
    assert again.status_code == 200
    assert second.get("/admin/").status_code == 302
    assert other.status_code == 302
    assert StaticToken.objects.filter(device__user=staff).count() == 8


def test_staff_without_an_authenticator_set_one_up_on_first_login(staff):
    # given: staff with no device yet
    client = Client()
    password_step(client, staff)

    # when: the second-factor step sends them to set one up
    to_enrol = client.get(f"{SECOND_FACTOR}?next=/admin/")
    page = client.get(to_enrol["Location"])
    reloaded = client.get(to_enrol["Location"])
    html = page.content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=staff)
    # then: a QR code and the same secret as text; a reload shows the same secret
    assert to_enrol.status_code == 302
    assert to_enrol["Location"] == f"{ENROL}?next=%2Fadmin%2F"
    assert "<svg" in html
    assert "<?xml" not in html
    assert hexlify(b32decode(secret)).decode() == device.key
    assert secret in reloaded.content.decode()
    assert not device.confirmed
    assert client.get("/admin/").status_code == 302

    # when: confirmed with the app's first code
    done = client.post(ENROL, {"code": totp_now(device), "next": "/admin/"})

    # then: the recovery codes, once, and the admin opens
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert done.status_code == 200
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    assert client.get(ENROL)["Location"] == "/admin/"  # nothing more to set up


def test_a_wrong_first_code_does_not_confirm_the_authenticator(staff):
    client = Client()
    password_step(client, staff)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(totp_now(device)) + 5) % 1_000_000:06d}"

    response = client.post(ENROL, {"code": wrong, "next": "/admin/"})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/admin/").status_code == 302


def test_once_set_up_nobody_can_enrol_a_second_authenticator(staff):
    # Someone holding only the password must not swap in their own authenticator.
    second_factor_for(staff)
    client = Client()
    password_step(client, staff)

    response = client.get(ENROL)

    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_FACTOR)
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_guessing_codes_is_locked_after_five_even_for_the_right_code(staff, settings):
    # given: someone with the password, guessing codes from several addresses
    device = second_factor_for(staff)
    right = totp_now(device)
    guesses = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(100, 105)]
    answers = []
    for n, guess in enumerate(guesses):
        client, ip = Client(), f"198.51.100.{n + 1}"
        password_step(client, staff, ip=ip)
        answers.append(code_step(client, guess, ip=ip).status_code)

    # when: the right code, from yet another address
    client = Client()
    password_step(client, staff, ip="192.0.2.9")
    locked = code_step(client, right, ip="192.0.2.9")

    # then
    assert answers == [200] * settings.LOGIN_OTP_FAILURES_PER_ACCOUNT
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert "Too many failed logins" in locked.content.decode()
    assert client.get("/admin/").status_code == 302


def test_enrolment_codes_are_limited_too(staff, settings):
    client = Client()
    password_step(client, staff)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=staff)
    right = totp_now(device)
    for n in range(settings.LOGIN_OTP_FAILURES_PER_ACCOUNT):
        client.post(ENROL, {"code": f"{(int(right) + 100 + n) % 1_000_000:06d}"})

    locked = client.post(ENROL, {"code": right})

    assert locked.status_code == 429
    device.refresh_from_db()
    assert not device.confirmed


def test_travelers_and_visitors_get_no_second_factor_page(staff):
    traveler = Client()
    traveler.force_login(UserFactory.create())

    for client in (traveler, Client()):
        for page in (SECOND_FACTOR, ENROL):
            response = client.get(page)
            assert response.status_code == 302
            assert response["Location"] == LOGIN


def test_the_second_factor_never_sends_staff_to_another_site(staff):
    device = second_factor_for(staff)
    client = Client()
    password_step(client, staff)

    response = code_step(client, totp_now(device), next_url="https://evil.example/admin/")

    assert response["Location"] == "/admin/"


def test_a_pending_staff_member_can_log_out(staff):
    second_factor_for(staff)
    client = Client()
    password_step(client, staff)

    response = client.post(SECOND_FACTOR, {"action": "logout"})

    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert Booking.objects.count() == 0
