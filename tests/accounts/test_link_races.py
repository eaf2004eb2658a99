"""One emailed link used by several requests at once (a double click, a mail scanner and
the traveler): real threads against a live server on MariaDB, released by a barrier. The
link works once however many arrive together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.registration import email_verify_token
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

RACERS = 8


def _race(url: str, bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))

    def attempt(body: dict) -> int:
        barrier.wait()
        return requests.post(url, json=body, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(attempt, bodies))


def test_one_reset_link_sets_one_password_however_many_use_it_at_once(live_server):
    grace = UserFactory.create(email="grace@example.com")
    link = {
        "uid": urlsafe_base64_encode(force_bytes(grace.pk)),
        "token": default_token_generator.make_token(grace),
    }
    passwords = [f"racing-passphrase-number-{n}" for n in range(RACERS)]

    answers = _race(
        f"{live_server.url}/api/auth/password-reset/confirm",
        [{**link, "password": p} for p in passwords],
    )

    assert sorted(answers) == [204] + [400] * (RACERS - 1)
    grace.refresh_from_db()
    won = [p for p in passwords if grace.check_password(p)]
    assert len(won) == 1
    assert not grace.check_password(PASSWORD)


def test_one_verification_link_verifies_once_however_many_use_it_at_once(live_server):
    ada = UserFactory.create(email="ada@example.com", email_verified_at=None)
    token = email_verify_token(ada)

    answers = _race(f"{live_server.url}/api/auth/verify-email", [{"token": token}] * RACERS)

    assert sorted(answers) == [200] + [400] * (RACERS - 1)
    assert User.objects.get().email_verified_at is not None
