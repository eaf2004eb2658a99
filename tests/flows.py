"""The traveler's two steps through the API, for tests: hold offers, then book the hold."""

from __future__ import annotations

import uuid

ADULT = {"first_name": "Ada", "last_name": "Lovelace", "type": "adult"}


def make_hold(client, *offer_ids) -> str:
    """POST /api/holds for `offer_ids` (must answer 201); the hold's id."""
    response = client.post(
        "/api/holds", {"items": [{"offer_id": o} for o in offer_ids]}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def book(client, hold_id, travelers=None, token="tok_visa", key=None):
    """POST /api/bookings for `hold_id` with a fresh Idempotency-Key unless `key` is given."""
    return client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": travelers or [ADULT], "payment_token": token},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
    )


def assert_problem(response, status: int, code: str) -> dict:
    """The answer is an application/problem+json `status` with the machine-readable `code`
    a client branches on; its body, for further checks."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["code"]) == (status, code), body
    return body


def emailed_link(to_email: str, kind: str) -> dict[str, str]:
    """The query of the link in the newest `kind` message queued to `to_email` (what its
    send renders and sends): e.g. {"token": ...} of a verification link."""
    import re
    from urllib.parse import parse_qsl, urlsplit

    from notifications.models import Message
    from tests.notifications.rendered import as_sent

    message = Message.objects.filter(to_email__iexact=to_email, kind=kind).latest("pk")
    links = re.findall(r"https?://\S+", as_sent(message).text_body)
    assert links, f"no link in the {kind} message to {to_email}"
    return dict(parse_qsl(urlsplit(links[0]).query))
