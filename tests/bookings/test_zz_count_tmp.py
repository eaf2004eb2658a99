import uuid
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories.offers import hotel_offer, flight_offer, car_offer

pytestmark = pytest.mark.django_db


def test_count(client_of, traveler, room_type, day):
    client = client_of(traveler)
    client.get("/healthz")
    with CaptureQueriesContext(connection) as q:
        r = client.post(
            "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
        )
    assert r.status_code == 201
    print("\nHOLD", len(q))
    for x in q.captured_queries:
        print("  ", x["sql"][:150])
    with CaptureQueriesContext(connection) as q:
        r = client.post(
            "/api/bookings",
            {
                "hold_id": r.json()["id"],
                "travelers": [{"first_name": "A", "last_name": "B", "type": "adult"}],
                "payment_token": "tok_visa",
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert r.status_code == 201, r.json()
    print("\nBOOK", len(q))
    for x in q.captured_queries:
        print("  ", x["sql"][:150])
