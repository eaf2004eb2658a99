"""Surge: searching and booking travelers against one gunicorn (issue 9.7).

Run by bench/surge/run.py (`make surge`), which prepares the database, the travelers'
tokens and the catalog to ask for in SURGE_DIR (var/surge). Not a pass/fail test: it
measures, and check.py then proves nothing was oversold or charged wrongly.

- SearchingTraveler (3 of 4 users): hotel, flight and car searches, a hotel's page.
- BookingTraveler (1 of 4): searches hotels in a few busy cities for the same few dates
  (so travelers fight over the last rooms), holds the first offer with rooms left and
  pays with tok_visa. 409 sold-out/price-changed and 429 too-many-holds are the business
  saying no, counted apart; only 5xx, timeouts and other answers are errors.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from locust import HttpUser, between, events, task

SURGE_DIR = Path(os.environ.get("SURGE_DIR", "var/surge"))
CATALOG = json.loads((SURGE_DIR / "catalog.json").read_text())
TOKENS = itertools.cycle(json.loads((SURGE_DIR / "tokens.json").read_text()))
TODAY = date.fromisoformat(CATALOG["today"])
OUTCOMES: Counter = Counter()  # (endpoint, status) of every answer, written at the end
EXPECTED_NO = {"/api/holds": {409, 429}, "/api/bookings": {402, 409}}


def check(response, name: str) -> None:
    """Mark the answer: 2xx fine, an expected business "no" fine, anything else an error."""
    OUTCOMES[(name, response.status_code)] += 1
    if 200 <= response.status_code < 300 or response.status_code in EXPECTED_NO.get(name, ()):
        response.success()
    else:
        detail = response.error if response.status_code == 0 else response.text[:120]
        response.failure(f"{response.status_code}: {detail!r}")


def stay(days_ahead: range) -> dict[str, str]:
    check_in = TODAY + timedelta(days=random.choice(days_ahead))
    nights = random.randint(1, 3)
    return {"check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=nights)).isoformat()}  # fmt: skip


class SearchingTraveler(HttpUser):
    weight = 3
    wait_time = between(0.5, 2)

    @task(4)
    def hotels(self) -> None:
        params = {"city": random.choice(CATALOG["cities"]), "guests": 2, **stay(range(1, 28))}
        with self.client.get(
            "/api/hotels/search", params=params, name="/api/hotels/search", catch_response=True
        ) as response:
            check(response, "/api/hotels/search")
            if response.status_code == 200 and response.json()["results"]:
                hotel = random.choice(response.json()["results"])
                with self.client.get(
                    f"/api/hotels/{hotel['id']}", params={**params}, name="/api/hotels/{id}",
                    catch_response=True,
                ) as detail:  # fmt: skip
                    check(detail, "/api/hotels/{id}")

    @task(3)
    def flights(self) -> None:
        origin, destination = random.choice(CATALOG["routes"])
        day = TODAY + timedelta(days=random.randint(1, 28))
        params = {"origin": origin, "destination": destination, "date": day.isoformat()}
        with self.client.get(
            "/api/flights/search", params=params, name="/api/flights/search", catch_response=True
        ) as response:
            check(response, "/api/flights/search")

    @task(2)
    def cars(self) -> None:
        pick_up = TODAY + timedelta(days=random.randint(1, 25))
        drop_off = pick_up + timedelta(days=random.randint(1, 4))
        params = {"location": random.choice(CATALOG["car_airports"]),
                  "pick_up": pick_up.isoformat(), "drop_off": drop_off.isoformat()}  # fmt: skip
        with self.client.get(
            "/api/cars/search", params=params, name="/api/cars/search", catch_response=True
        ) as response:
            check(response, "/api/cars/search")

    @task(1)
    def airports(self) -> None:
        with self.client.get(
            "/api/airports", params={"q": random.choice(["lon", "par", "new", "ber", "tok"])},
            name="/api/airports", catch_response=True,
        ) as response:  # fmt: skip
            check(response, "/api/airports")


class BookingTraveler(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {next(TOKENS)}"

    @task
    def book_a_stay(self) -> None:
        # A few busy cities and dates: the last rooms go to whoever holds first.
        params = {"city": random.choice(CATALOG["busy_cities"]), "guests": 2,
                  **stay(range(3, 6))}  # fmt: skip
        with self.client.get(
            "/api/hotels/search", params=params, name="/api/hotels/search", catch_response=True
        ) as response:
            check(response, "/api/hotels/search")
            if response.status_code != 200:
                return
            offers = [
                room["offer_id"]
                for hotel in response.json()["results"]
                for room in hotel["offers"]
                if room["available"] > 0
            ]
        if not offers:
            return
        with self.client.post(
            "/api/holds", json={"items": [{"offer_id": random.choice(offers[:3])}]},
            name="/api/holds", catch_response=True,
        ) as held:  # fmt: skip
            check(held, "/api/holds")
            if held.status_code != 201:
                return
            hold_id = held.json()["id"]
        travelers = [{"first_name": "Surge", "last_name": f"Traveler{i}", "type": "adult"}
                     for i in range(2)]  # fmt: skip
        with self.client.post(
            "/api/bookings",
            json={"hold_id": hold_id, "travelers": travelers, "payment_token": "tok_visa"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name="/api/bookings", catch_response=True,
        ) as booked:  # fmt: skip
            check(booked, "/api/bookings")


@events.test_stop.add_listener
def write_outcomes(environment, **kwargs) -> None:
    rows = [{"endpoint": e, "status": s, "count": n} for (e, s), n in sorted(OUTCOMES.items())]
    (SURGE_DIR / "outcomes.json").write_text(json.dumps(rows, indent=1))
