"""Issue 9.6 for real: gunicorn on MariaDB through a proxy we cut and restore.

While the database is unreachable every API call is 503 problem+json (no 500, no hang);
when it is back the same gunicorn, never restarted, answers 200/201 again.
"""

from __future__ import annotations

import time

import pytest
import requests

from bookings.models import Hold
from catalog.models import RoomNight
from tests.factories.accounts import access_token_for
from tests.factories.offers import hotel_offer
from tests.reliability.live import TcpProxy, database_address, database_url, gunicorn

pytestmark = [pytest.mark.mariadb, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_api_answers_503_while_the_database_is_away_and_recovers_by_itself(
    tmp_path, traveler, room_type, day
):
    proxy = TcpProxy(database_address())
    token = access_token_for(traveler)
    auth = {"Authorization": f"Bearer {token}"}
    offer = hotel_offer(room_type, day, 2)
    try:
        with gunicorn(database_url=database_url(port=proxy.port), tmp_path=tmp_path) as server:
            api = server.url + "/api"
            assert requests.get(f"{api}/hotels/{room_type.hotel_id}", timeout=5).status_code == 200

            # when: the database goes away
            proxy.cut()
            started = time.monotonic()
            outage = [
                requests.get(f"{api}/hotels/{room_type.hotel_id}", timeout=10),
                requests.get(f"{api}/bookings", headers=auth, timeout=10),
                requests.post(
                    f"{api}/holds", json={"items": [{"offer_id": offer}]}, headers=auth,
                    timeout=10,
                ),
                requests.get(f"{server.url}/healthz", timeout=10),
            ]  # fmt: skip
            elapsed = time.monotonic() - started

            # then: 503 problems, quickly
            assert [r.status_code for r in outage] == [503, 503, 503, 503]
            assert {r.headers["Content-Type"] for r in outage} == {"application/problem+json"}
            assert {r.json()["code"] for r in outage} == {"database-unavailable"}
            assert elapsed < 10
            assert not Hold.objects.exists()

            # when: it comes back; the same gunicorn (no restart) serves again
            proxy.restore()
            assert requests.get(f"{api}/hotels/{room_type.hotel_id}", timeout=5).status_code == 200
            held = requests.post(
                f"{api}/holds", json={"items": [{"offer_id": offer}]}, headers=auth, timeout=10
            )
            assert held.status_code == 201, held.text
            assert requests.get(f"{server.url}/healthz", timeout=5).json() == {
                "status": "ok", "database": "ok",
            }  # fmt: skip
            assert server.proc.poll() is None
    finally:
        proxy.close()

    assert Hold.objects.get().status == "active"
    assert sorted(RoomNight.objects.values_list("rooms_available", flat=True)) == [2, 2, 3]
