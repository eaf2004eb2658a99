"""One refresh token, twenty tabs (or an attacker and the traveler) exchanging it at once.

Real threads send real HTTP requests to a live server on MariaDB, released together by a
barrier: the database decides one winner, and no request gets a session of its own.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

RACERS = 20


def _login(url: str, email: str) -> dict[str, str]:
    response = requests.post(
        f"{url}/api/auth/token", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200
    return response.json()


def _refresh_race(url: str, refresh: str) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(RACERS)

    def attempt(_: int) -> tuple[int, dict]:
        barrier.wait()
        response = requests.post(
            f"{url}/api/auth/token/refresh", json={"refresh": refresh}, timeout=30
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(attempt, range(RACERS)))


def _me(url: str, access: str) -> int:
    response = requests.get(
        f"{url}/api/me", headers={"Authorization": f"Bearer {access}"}, timeout=30
    )
    return response.status_code


def _refresh(url: str, refresh: str) -> requests.Response:
    return requests.post(f"{url}/api/auth/token/refresh", json={"refresh": refresh}, timeout=30)


def _sessions_from(results: list[tuple[int, dict]]) -> set[tuple[str, str]]:
    """The distinct (access, refresh) pairs the race handed out."""
    return {(body["access"], body["refresh"]) for status, body in results if status == 200}


def test_twenty_parallel_refreshes_hand_out_one_session_at_most(live_server, settings):
    """Within the grace window the racers share the winner's pair: one session, alive."""
    settings.JWT_REFRESH_REUSE_GRACE_SECONDS = 30
    # given
    UserFactory.create(email="tabs@example.com")
    tokens = _login(live_server.url, "tabs@example.com")

    # when
    results = _refresh_race(live_server.url, tokens["refresh"])

    # then: every success carries the very same new pair, and that pair works
    handed_out = _sessions_from(results)
    assert len(handed_out) == 1, f"{len(handed_out)} independent sessions from one token"
    ((access, refresh),) = handed_out
    assert {status for status, _ in results} == {200}
    assert _me(live_server.url, access) == 200
    # the family lives on with exactly one live descendant: the shared refresh token
    assert _refresh(live_server.url, refresh).status_code == 200


def test_without_a_grace_window_a_race_revokes_the_whole_family(live_server, settings):
    """Strict reuse detection (grace 0): one racer wins, the rest are reuse, so the family
    ends, the winner's new tokens included."""
    settings.JWT_REFRESH_REUSE_GRACE_SECONDS = 0
    # given
    UserFactory.create(email="strict@example.com")
    tokens = _login(live_server.url, "strict@example.com")

    # when
    results = _refresh_race(live_server.url, tokens["refresh"])

    # then
    handed_out = _sessions_from(results)
    assert len(handed_out) <= 1
    losers = [body for status, body in results if status != 200]
    assert {(body["status"], body["code"]) for body in losers} <= {
        (401, "refresh-token-reused"),
        (401, "session-ended"),
    }
    assert any(body["code"] == "refresh-token-reused" for body in losers)
    for access, refresh in handed_out:  # the winner's tokens died with the family
        assert _me(live_server.url, access) == 401
        assert _refresh(live_server.url, refresh).status_code == 401
    assert _me(live_server.url, tokens["access"]) == 401
