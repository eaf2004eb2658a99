"""A traveler's whole journey through the API, with every logger at DEBUG: the logs never
hold a password, a token (payment or JWT), a name, an e-mail, a birth date or a body.

SQL statements are only logged with DEBUG=True (Django's debug cursor), which production
never sets (tests/security/test_http_hardening.py checks production's DEBUG).
"""

from __future__ import annotations

import logging
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from bookings.models import Booking
from tests.factories.offers import hotel_offer
from tests.flows import emailed_link

pytestmark = pytest.mark.django_db

SECRETS = {
    "password": "Quartz-Heron-Lantern-42",
    "email": "wilhelmina.zabrowski@example.org",
    "first_name": "Wilhelmina",
    "last_name": "Zabrowski",
    "guest_first": "Ottoline",
    "guest_last": "Quarrington",
    "birth_date": "1987-06-05",
    "ok_token": "tok_amex",
    "bad_token": "tok_zq9unknownvalue42",
}


def test_a_full_booking_leaves_no_personal_data_or_tokens_in_the_logs(
    room_type, day, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.server", "django.db.backends", "bookings",
                 "accounts", "analytics", "stripe"):  # fmt: skip
        caplog.set_level(logging.DEBUG, logger=name)
    client = APIClient()
    s = SECRETS
    traveler = {"first_name": s["guest_first"], "last_name": s["guest_last"],
                "birth_date": s["birth_date"], "type": "adult"}  # fmt: skip

    # register, a wrong login, a right login
    registered = client.post("/api/auth/register", {"email": s["email"], "password": s["password"],
                             "first_name": s["first_name"], "last_name": s["last_name"]},
                             format="json")  # fmt: skip
    wrong = client.post("/api/auth/token", {"email": s["email"], "password": s["password"] + "x"},
                        format="json")  # fmt: skip
    tokens = client.post(
        "/api/auth/token", {"email": s["email"], "password": s["password"]}, format="json"
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    # the emailed link verifies the address (bookings need it)
    verified = client.post("/api/auth/verify-email",
                           emailed_link(s["email"], "verify_email"), format="json")  # fmt: skip
    # a hold, a bad request, a declined card, a paid booking, a cancellation, a logout
    hold_id = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    ).json()["id"]
    invalid = client.post("/api/bookings", {"hold_id": hold_id, "travelers": [traveler]},
                          format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))  # fmt: skip
    declined = client.post("/api/bookings", {"hold_id": hold_id, "travelers": [traveler],
                           "payment_token": s["bad_token"]}, format="json",
                           HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))  # fmt: skip
    booked = client.post("/api/bookings", {"hold_id": hold_id, "travelers": [traveler],
                         "payment_token": s["ok_token"]}, format="json",
                         HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))  # fmt: skip
    cancelled = client.post(f"/api/bookings/{booked.json()['reference']}/cancel")
    me = client.get("/api/me")
    logged_out = client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    # the journey really happened
    assert [registered.status_code, wrong.status_code, verified.status_code, invalid.status_code,
            declined.status_code, booked.status_code, cancelled.status_code, me.status_code,
            logged_out.status_code] == [202, 401, 200, 400, 402, 201, 200, 200, 204]  # fmt: skip
    assert Booking.objects.get().travelers.get().last_name == s["guest_last"]
    # and Django did log it (4xx warnings), so the logs were captured
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "Payment Required: /api/bookings" in logged
    # but nothing personal or secret is in any record, nor on stdout/stderr
    out = capsys.readouterr()
    everything = logged + out.out + out.err
    leaks = {key: value for key, value in SECRETS.items() if value in everything}
    leaks.update({k: "JWT" for k in ("access", "refresh") if tokens[k] in everything})
    assert leaks == {}
    assert '"travelers"' not in everything  # no request body
    assert "payment_token" not in everything


def test_sql_is_not_logged_in_production():
    # django.db.backends logs statements (with their parameters) only when DEBUG is on.
    loggers = settings.LOGGING.get("loggers", {})
    assert loggers.get("django.db.backends", {}).get("level", "INFO") != "DEBUG"
    assert settings.DEBUG is False
