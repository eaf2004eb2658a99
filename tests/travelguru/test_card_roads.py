"""Invariant 5, end to end: a card number sent by every road we know of reaches no table and
no log line.

Each road (body media types and charsets, nested JSON, forms, multipart, the query string,
the path, headers, the admin's forms) carries the card written several ways. Every answer
must be a 400 or 415 problem; afterwards every column of every table (found by
introspection, the cache table included) and every log line (what this process logged,
plus the access lines gunicorn's and Zappa's loggers write for the same requests) is
searched for the card's digits, with separators and full-width digits normalised away.
Runs on SQLite and, in .ci/run's MariaDB leg, on MariaDB.
"""

from __future__ import annotations

import base64
import json
import logging
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from django.db import connection

from tests.factories.offers import hotel_offer
from tests.flows import ADULT, make_hold

pytestmark = pytest.mark.django_db

DIGITS = "4242424242424242"
WRITTEN = {
    "plain": DIGITS,
    "spaced": "4242 4242 4242 4242",
    "dashed": "4242-4242-4242-4242",
    "dotted": "4242.4242.4242.4242",
    "no-break spaces": "4242\u00a04242\u00a04242\u00a04242",
    "full-width": "".join(chr(0xFF10 + int(d)) for d in DIGITS),
}


def digits_of(text: str) -> str:
    """Every decimal digit of `text` (any script) as ASCII, nothing else: a card written
    with any separators, in any digits, shows as DIGITS here."""
    return "".join(str(d) for ch in text if (d := unicodedata.digit(ch, None)) is not None)


def utf7_shifted(text: str) -> str:
    """`text` in UTF-7's base64 form, where no digit appears as a digit."""
    return "+" + base64.b64encode(text.encode("utf-16-be")).decode().rstrip("=") + "-"


def octal_escaped(text: str) -> str:
    """`text` as a quoted cookie value's octal escapes, which Django unquotes to characters
    (one byte each, so full-width digits go as ASCII ones)."""
    ascii_digits = "".join(c if ord(c) < 256 else str(unicodedata.digit(c)) for c in text)
    return "".join(f"\\{ord(c):03o}" for c in ascii_digits)


def json_escaped(text: str) -> str:
    return "".join(f"\\u{ord(ch):04x}" for ch in text)


def encoded_json(document: dict[str, Any], card: str, how: str) -> tuple[bytes, str]:
    """`document` (holding `card`) as a body encoded `how`, and its Content-Type."""
    text = json.dumps(document, ensure_ascii=False)
    escaped = text.replace(card, json_escaped(card))

    def in_charset(charset: str) -> bytes:  # full-width digits have no cp037 form
        try:
            return text.encode(charset)
        except UnicodeEncodeError:
            return escaped.encode(charset)

    return {
        "utf-8": lambda: (text.encode(), "application/json"),
        "utf-8 declared": lambda: (text.encode(), "application/json; charset=UTF-8"),
        "escaped": lambda: (escaped.encode(), "application/json"),
        "cp037": lambda: (in_charset("cp037"), "application/json; charset=cp037"),
        "utf-7": lambda: (
            text.replace(card, utf7_shifted(card)).encode(), "application/json; charset=utf-7"
        ),
        "utf-16": lambda: (text.encode("utf-16"), "application/json; charset=utf-16"),
        "latin-1": lambda: (escaped.encode("latin-1"), "application/json; charset=latin-1"),
        "any type": lambda: (escaped.encode(), "*/*"),
        "application/*": lambda: (escaped.encode(), "application/*"),
        "+json": lambda: (escaped.encode(), "application/vnd.travelguru+json"),
        "text/plain": lambda: (text.encode(), "text/plain"),
    }[how]()  # fmt: skip


BODY_ENCODINGS = [
    "utf-8", "utf-8 declared", "escaped", "cp037", "utf-7", "utf-16", "latin-1", "any type",
    "application/*", "+json", "text/plain",
]  # fmt: skip


def multipart(fields: dict[str, str], *, base64_field: str | None = None) -> tuple[bytes, str]:
    parts = []
    for name, value in fields.items():
        if name == base64_field:
            payload = base64.b64encode(value.encode()).decode()
            headers = "Content-Transfer-Encoding: base64\r\n"
        else:
            payload, headers = value, ""
        parts.append(
            f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n{headers}\r\n{payload}\r\n'
        )
    return ("".join(parts) + "--b--\r\n").encode(), "multipart/form-data; boundary=b"


@dataclass
class Roads:
    traveler: Any
    anonymous: Any
    staff: Any
    hold_id: str
    sent: list[tuple[str, Any]] = field(default_factory=list)

    def send(self, road: str, client: Any, method: str, path: str, body: bytes = b"",
             content_type: str = "application/json", **headers: str) -> None:  # fmt: skip
        response = client.generic(method, path, body, content_type=content_type, **headers)
        self.sent.append((road, response))

    def booking(self, **traveler: str) -> dict[str, Any]:
        return {"hold_id": self.hold_id, "travelers": [{**ADULT, **traveler}],
                "payment_token": "tok_visa"}  # fmt: skip


def every_road(roads: Roads, card: str) -> None:
    t, anon, staff = roads.traveler, roads.anonymous, roads.staff
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}

    # Bodies: a traveler's name nested in a booking, in every encoding and media type.
    for how in BODY_ENCODINGS:
        body, content_type = encoded_json(roads.booking(last_name=card), card, how)
        roads.send(f"booking as {how}", t, "POST", "/api/bookings", body, content_type, **key)
    # The other writes of the API, each in the field a traveler types into.
    for road, client, method, path, document in [
        ("registration", anon, "POST", "/api/auth/register",
         {"email": "new@example.com", "password": "correct horse battery", "first_name": card,
          "last_name": "B"}),
        ("profile", t, "PATCH", "/api/me", {"first_name": card}),
        ("review", t, "POST", "/api/reviews",
         {"booking_reference": "TG-AAAAAA", "rating": 5, "title": "Fine", "text": f"paid {card}"}),
        ("hold", t, "POST", "/api/holds", {"items": [{"offer_id": card}]}),
        ("hold release body", t, "DELETE", f"/api/holds/{roads.hold_id}", {"note": card}),
        ("nested deep", t, "POST", "/api/bookings", {"a": [[{"b": {"c": [card]}}]]}),
        ("a key", t, "POST", "/api/bookings", {card: "x"}),
    ]:  # fmt: skip
        roads.send(road, client, method, path, json.dumps(document).encode(), **key)
    roads.send("booking as a form", t, "POST", "/api/bookings",
               f"hold_id={roads.hold_id}&travelers[0]last_name={quote_plus(card)}".encode(),
               "application/x-www-form-urlencoded", **key)  # fmt: skip
    for base64_field in (None, "last_name"):
        body, content_type = multipart({"hold_id": roads.hold_id, "last_name": card},
                                       base64_field=base64_field)  # fmt: skip
        roads.send(f"booking as multipart ({base64_field})", t, "POST", "/api/bookings", body,
                   content_type, **key)  # fmt: skip

    # The address: query strings on every kind of path, and paths.
    encodings = {
        "percent": quote(card, safe=""),
        "plus": quote_plus(card),
        "every byte escaped": "".join(f"%{b:02X}" for b in card.encode()),
    }
    for path in ["/", "/admin/", "/static/admin/css/base.css", "/healthz",
                 "/api/hotels/search", "/api/bookings", "/api/docs/", "/no/such/page"]:  # fmt: skip
        for name, value in encodings.items():
            roads.send(f"query {name} on {path}", t, "GET", f"{path}?q={value}", b"")
        roads.send(f"repeated key on {path}", t, "GET", f"{path}?q=x&q={quote_plus(card)}", b"")
        roads.send(f"token and card on {path}", t, "GET",
                   f"{path}?access_token=eyJabc&n={quote_plus(card)}", b"")  # fmt: skip
    roads.send("path", t, "GET", f"/api/bookings/{quote(card)}", b"")
    roads.send("page path", anon, "GET", f"/{quote(card)}", b"")

    # Headers: the ones we log (Referer, User-Agent), store (Idempotency-Key, X-Session-Id,
    # the tg_sid cookie) or do neither with.
    search = "/api/config"
    for road, headers in [
        ("referer", {"HTTP_REFERER": f"https://travelguru.example/book?card={quote_plus(card)}"}),
        ("user agent", {"HTTP_USER_AGENT": f"Mozilla/5.0 ({card})"}),
        ("session header", {"HTTP_X_SESSION_ID": card}),
        ("session cookie", {"HTTP_COOKIE": f"tg_sid={quote(card)}"}),
        ("session cookie, octal escapes", {"HTTP_COOKIE": f'tg_sid="{octal_escaped(card)}"'}),
        ("any header", {"HTTP_X_NOTE": card}),
        ("host", {"HTTP_HOST": f"{quote(card)}.travelguru.example"}),  # Django logs bad hosts
    ]:
        roads.send(road, anon, "GET", search, b"", **headers)
    roads.send("idempotency key", t, "POST", "/api/bookings",
               json.dumps(roads.booking()).encode(), HTTP_IDEMPOTENCY_KEY=card)  # fmt: skip

    # The admin: its login form and a catalog form that stores what staff type.
    roads.send("admin login", anon, "POST", "/admin/login/",
               f"username={quote_plus(card)}&password=x".encode(),
               "application/x-www-form-urlencoded")  # fmt: skip
    city = {"geonameid": "", "name": card, "country_code": "FR", "country_name": "France",
            "latitude": "1", "longitude": "2", "timezone": "Europe/Paris", "population": "1",
            "currency": "EUR"}  # fmt: skip

    def form(charset: str = "utf-8") -> bytes:
        city["geonameid"] = str(len(roads.sent) + 990000)  # each form a new city
        return "&".join(f"{k}={quote_plus(v, encoding=charset, errors='replace')}"
                        for k, v in city.items()).encode(charset, errors="replace")  # fmt: skip

    roads.send("admin form", staff, "POST", "/admin/catalog/city/add/", form(),
               "application/x-www-form-urlencoded")  # fmt: skip
    city["geonameid"] = str(len(roads.sent) + 990000)
    body, content_type = multipart(city, base64_field="name")
    roads.send("admin multipart form", staff, "POST", "/admin/catalog/city/add/", body,
               content_type)  # fmt: skip
    roads.send("admin form in cp037", staff, "POST", "/admin/catalog/city/add/",
               form("utf-8").decode().encode("cp037", errors="replace"),
               "application/x-www-form-urlencoded; charset=cp037")  # fmt: skip


def stored_texts() -> list[tuple[str, str]]:
    """(table.column, value) for every non-empty value of every table this database holds."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            description = connection.introspection.get_table_description(cursor, table)
            columns = [c.name for c in description]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            # Names from introspection, no values: nothing to inject.
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", errors="replace")
                    if value is not None:
                        found.append((f"{table}.{column}", str(value)))
    return found


def access_lines(sent: list[tuple[str, Any]], tmp_path) -> list[str]:
    """The access lines gunicorn (with `make run`'s logger class) and Zappa's handler write
    for these requests: fed the requests' own WSGI environs."""
    from gunicorn.config import Config
    from zappa.wsgi import common_log

    from travelguru.gunicorn_conf import MaskingLogger, access_log_format

    log_file = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log_file))
    config.set("access_log_format", access_log_format)
    gunicorn_logger = MaskingLogger(config)
    for _, response in sent:
        environ = {k: v for k, v in response.wsgi_request.environ.items() if isinstance(v, str)}
        query = environ.get("QUERY_STRING", "")
        raw_uri = quote(environ["PATH_INFO"]) + (f"?{query}" if query else "")
        environ |= {"RAW_URI": raw_uri, "SERVER_PROTOCOL": "HTTP/1.1"}
        headers = [(k[5:].replace("_", "-"), v) for k, v in environ.items() if k[:5] == "HTTP_"]
        gunicorn_logger.access(
            SimpleNamespace(status=f"{response.status_code} X", sent=len(response.content),
                            headers=[]),
            SimpleNamespace(headers=headers), environ, timedelta(milliseconds=3),
        )  # fmt: skip
        answer = SimpleNamespace(status_code=response.status_code, content=response.content)
        common_log(environ, answer, response_time=3000)
    return log_file.read_text().splitlines()


def test_a_card_number_sent_by_every_road_reaches_no_table_and_no_log(
    client_of, traveler, room_type, day, admin_client, api_client, caplog, tmp_path,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    caplog.set_level(logging.DEBUG)
    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))
    roads = Roads(traveler=client_of(traveler), anonymous=api_client, staff=admin_client,
                  hold_id=hold_id)  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        for card in WRITTEN.values():
            every_road(roads, card)

    # Every road is refused but the Referer's: it is only logged, and masked there.
    problem = "application/problem+json"
    answers = [(road, r) for road, r in roads.sent if road != "referer"]
    refused = [(road, r.status_code) for road, r in answers
               if r.status_code in (400, 415) and r["Content-Type"] == problem]  # fmt: skip
    assert [(road, r.status_code) for road, r in answers] == refused
    assert {r.status_code for road, r in roads.sent if road == "referer"} == {200}
    by_code = {r.json()["code"] for _, r in answers}
    assert by_code == {"card-number-refused", "unsupported-media-type"}
    assert not [where for where, value in stored_texts() if DIGITS in digits_of(value)]
    logged = access_lines(roads.sent, tmp_path)  # gunicorn's; Zappa's go to caplog
    logged += [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    # Each request: a gunicorn line and a Zappa line; each refusal: Django's warning.
    assert len(logged) >= 2 * len(roads.sent) + len(answers)
    assert not [line for line in logged if DIGITS in digits_of(line)]
    assert not [line for line in logged if "eyJabc" in line]  # the token was masked
