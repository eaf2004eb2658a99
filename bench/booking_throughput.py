"""Hold + book throughput on MariaDB, four ways, in interleaved rounds (A O B C A O B C ...).

Every iteration holds one room for one night (one RoomNight row) and books it:

A  raw SQL through mysqlclient, what the engine can do: BEGIN; SELECT … FOR UPDATE the
   room night; UPDATE rooms_available = rooms_available - 1 WHERE id = %s AND
   rooms_available >= 1 (rowcount checked); INSERT hold, hold item, hold unit; COMMIT;
   then INSERT payment; INSERT sandbox charge, UPDATE payment; BEGIN; SELECT hold FOR
   UPDATE; INSERT booking, booking item, traveler; UPDATE hold, payment; COMMIT. The same
   rows and roughly the same statements as B and C, without Python in between.
O  the ORM floor: A's statements one for one through the Django ORM, written the most
   direct way (select_for_update().get(), filter(rooms_available__gte=1).update(F() - 1)
   with its row count checked, Model.objects.create, filter().update(), the same two
   transaction.atomic blocks) and nothing else: no quote, no checks, no idempotency, no
   search-cache bump, no policies. Not one of issue 10's ways: it tells how much of B's
   distance from A any ORM service would have (O/A) and how much is our service's own
   logic (B/O).
B  the ORM services called in-process: hold_create + booking_create (sandbox provider).
C  the full HTTP stack: POST /api/holds, then POST /api/bookings (JWT, Idempotency-Key),
   against gunicorn (SERVER_WORKERS x SERVER_THREADS, connections kept as in production).

The 16 clients of A, O and B are 16 forked processes of one client each, as 16 Lambda
instances are (each serves one request at a time). As threads of one process they would
queue on one GIL: mysqlclient releases it while MariaDB works, but every client needs it
back between statements, so both A and the ORM's far longer Python stretches would wait on
one core, and the ratio would measure the GIL, not the service. Run as processes, both ways
use every core; the bench still runs on a machine where its clients, gunicorn and MariaDB
share the cores, so a client's CPU per iteration is what B/A mostly shows.

16 clients run back-to-back (closed loop) for `duration` seconds per round; "spread" picks
a different room night per iteration (over 200 hotels' rooms), "hot" uses one row. The
rows' counts are raised before each round (so nothing sells out) and the bench's holds
and bookings are deleted after it. After every round the oversold check runs:
available < 0, or total - available != units held by active/booked holds.

Booking POST latency is an open loop of POST /api/bookings alone (booking_open_loop): the
holds are made beforehand and not timed, each POST books its own hold with its own
Idempotency-Key, sent on a fixed schedule (the target's 200/s, then a quarter of it) for a
bounded time, latency from the scheduled send time. The older figure, open-loop hold +
booking pairs, is kept and labelled as such.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlparse

from bench.common import Gunicorn, closed_loop, idempotency_key, open_loop, summary

CLIENTS = 16
WAYS = "AOBC"  # the order of each round
# A, O and B run their 16 clients as 16 processes of one thread, as 16 Lambda instances would
# (each serves one request at a time): 16 threads in one process would share one GIL, which
# mysqlclient releases during a query (A barely notices) but the ORM's Python work does
# not, so B/A would measure the GIL rather than the service.
PROCESSES = 16
# C's server: 16 clients against what serves 16 requests at once, connections kept between
# requests as production does (CONN_MAX_AGE 300; the local settings' default 0 reconnects,
# sets the session up and disconnects on every request).
SERVER_WORKERS, SERVER_THREADS = 4, 4
SERVER_ENV = {"DATABASE_CONN_MAX_AGE": "300"}
BIG = 30_000  # rooms_total is a PositiveSmallIntegerField
EMAIL = "bench-{n}@bench.travelguru.example"


def _users(count: int = CLIENTS) -> list:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    User = get_user_model()
    users = []
    for n in range(count):
        user, _ = User.objects.get_or_create(
            username=f"bench-{n}",
            # Only travelers with a verified email book.
            defaults={"email": EMAIL.format(n=n), "email_verified_at": timezone.now()},
        )
        users.append(user)
    return users


def _rows(count: int) -> list:
    """`count` room nights 10 days out, each of another room type (spread over hotels)."""
    from catalog.models import RoomNight
    from search.apis.common import today_anywhere

    day = today_anywhere() + timedelta(days=10)
    nights = list(
        RoomNight.objects.filter(date=day).select_related("room_type").order_by("id")[: count * 3]
    )
    random.Random(3).shuffle(nights)
    return nights[:count]


def offers_for(nights: list) -> list:
    import dataclasses

    from django.utils import timezone

    from search.offers import HotelOffer
    from search.selectors.offers import offer_quote
    from travelguru.money import Money

    offers = []
    for night in nights:
        draft = HotelOffer(
            room_type_id=night.room_type_id, check_in=night.date,
            check_out=night.date + timedelta(days=1), rooms=1, guests=1,
            price=Money.of(0, "USD"),
        )  # fmt: skip
        quote = offer_quote(offer=draft, now=timezone.now())
        offers.append(dataclasses.replace(draft, price=quote.price))
    return offers


def _tables():
    """The tables the raw statements name, from the models (travelguru.sql.Table)."""
    from types import SimpleNamespace

    from accounts.models import User
    from bookings import models as b
    from catalog.models import RoomNight
    from notifications.models import Message
    from travelguru.sql import Table

    return SimpleNamespace(
        user=Table(User), hold=Table(b.Hold), item=Table(b.HoldItem), unit=Table(b.HoldUnit),
        payment=Table(b.Payment), refund=Table(b.Refund), booking=Table(b.Booking),
        booking_item=Table(b.BookingItem), traveler=Table(b.Traveler),
        idempotency=Table(b.IdempotencyRecord), charge=Table(b.SandboxCharge),
        night=Table(RoomNight), message=Table(Message),
    )  # fmt: skip


def _reset(nights: list) -> None:
    """Delete the bench users' holds/bookings and set the rows' counts high (raw SQL)."""
    from django.db import connection, transaction

    from catalog.models import RoomNight

    t = _tables()
    u, h, i, p, bk = t.user.c, t.hold.c, t.item.c, t.payment.c, t.booking.c
    # Names from the models, no outside input: neither S608 nor bandit B608 applies.
    with transaction.atomic(), connection.cursor() as c:
        users = f"SELECT {u.id} FROM {t.user} WHERE {u.username} LIKE 'bench-%%'"  # noqa: S608 # nosec B608
        holds = f"SELECT {h.id} FROM {t.hold} WHERE {h.user} IN ({users})"  # noqa: S608 # nosec B608
        bookings = f"SELECT {bk.id} FROM {t.booking} WHERE {bk.hold} IN ({holds})"  # noqa: S608 # nosec B608
        payments = f"SELECT {p.id} FROM {t.payment} WHERE {p.hold} IN ({holds})"  # noqa: S608 # nosec B608
        items = f"SELECT {i.id} FROM {t.item} WHERE {i.hold} IN ({holds})"  # noqa: S608 # nosec B608
        for sql in (
            f"DELETE FROM {t.refund} WHERE {t.refund.c.payment} IN ({payments})",  # noqa: S608 # nosec B608
            # the outbox's confirmation and refund messages of the bench users
            f"DELETE FROM {t.message} WHERE {t.message.c.user} IN ({users})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.traveler} WHERE {t.traveler.c.booking} IN ({bookings})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.booking_item} WHERE {t.booking_item.c.booking} IN ({bookings})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.payment} WHERE {p.hold} IN ({holds})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.booking} WHERE {bk.hold} IN ({holds})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.unit} WHERE {t.unit.c.item} IN ({items})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.item} WHERE {i.hold} IN ({holds})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.hold} WHERE {h.user} IN ({users})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.idempotency} WHERE {t.idempotency.c.user} IN ({users})",  # noqa: S608 # nosec B608
            f"DELETE FROM {t.charge} WHERE {t.charge.c.token} = 'tok_visa'",  # noqa: S608 # nosec B608
        ):
            c.execute(sql)
        RoomNight.objects.filter(pk__in=[n.pk for n in nights]).update(
            rooms_total=BIG, rooms_available=BIG
        )


def _oversold_sql(ids: int) -> str:
    """Rows sold below zero, or whose sold count disagrees with the holds on them (active,
    being paid or booked). Parameters: the room night ids."""
    from travelguru.sql import Table, marks

    t = _tables()
    rn, u, i, h = Table(t.night.model, "rn"), Table(t.unit.model, "u"), t.item, t.hold
    i, h = Table(i.model, "i"), Table(h.model, "h")
    return f"""SELECT COUNT(*) FROM {rn}
    LEFT JOIN (SELECT {u.c.room_night} AS room_night_id, SUM({u.c.units}) AS taken FROM {u}
        JOIN {i} ON {i.c.id} = {u.c.item}
        JOIN {h} ON {h.c.id} = {i.c.hold}
        WHERE {h.c.status} IN ('active', 'paying', 'booked') GROUP BY {u.c.room_night}) t
      ON t.room_night_id = {rn.c.id}
    WHERE {rn.c.id} IN ({marks(ids)})
      AND ({rn.c.rooms_available} < 0
           OR {rn.c.rooms_total} - {rn.c.rooms_available} != COALESCE(t.taken, 0))"""  # noqa: S608 # nosec B608


def oversold(nights: list) -> int:
    """Rows sold beyond their count, or whose count disagrees with the holds on them."""
    from django.db import connection

    ids = [n.pk for n in nights]
    with connection.cursor() as c:
        c.execute(_oversold_sql(len(ids)), ids)
        return int(c.fetchone()[0])


# ---------------------------------------------------------------- A: raw SQL


def _raw_connect(database_url: str):
    import MySQLdb

    _raw_sql()  # built before the timed iterations
    url = urlparse(database_url)
    conn = MySQLdb.connect(
        host=url.hostname or "127.0.0.1", port=url.port or 3306, user=url.username or "root",
        passwd=url.password or "", db=url.path.strip("/"), charset="utf8mb4",
    )  # fmt: skip
    conn.autocommit(True)
    c = conn.cursor()
    c.execute("SET SESSION innodb_lock_wait_timeout=3")
    c.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return conn


_RAW: dict[str, str] = {}


def _raw_sql() -> dict[str, str]:
    """Way A's statements, table and column names from the models, built once."""
    if _RAW:
        return _RAW
    t = _tables()
    n, h, p = t.night.c, t.hold.c, t.payment.c

    def insert(table, *columns: str) -> str:
        return f"INSERT INTO {table} ({table.columns(*columns)}) VALUES "  # noqa: S608 # nosec B608

    # Names from the models, values as parameters or the constants they always were.
    _RAW.update(
        lock_row=f"SELECT {n.id} FROM {t.night} WHERE {n.id} = %s FOR UPDATE",  # noqa: S608 # nosec B608
        lock_night=f"SELECT {n.id}, {n.rooms_available} FROM {t.night}"  # noqa: S608 # nosec B608
        f" WHERE {n.id} = %s FOR UPDATE",
        take=f"UPDATE {t.night} SET {n.rooms_available} = {n.rooms_available} - 1"  # noqa: S608 # nosec B608
        f" WHERE {n.id} = %s AND {n.rooms_available} >= 1",
        hold=insert(t.hold, "id", "user", "status", "created_at", "expires_at")
        + "(%s, %s, 'active', %s, %s)",
        item=insert(
            t.item, "hold", "position", "kind", "description", "price_amount",
            "price_currency", "units", "offer",
        )
        + "(%s, 0, 'hotel', 'bench room', %s, %s, 1, %s)",
        unit=insert(t.unit, "item", "room_night", "units") + "(%s, %s, 1)",
        payment=insert(
            t.payment, "hold", "user", "provider", "amount", "currency", "status",
            "provider_ref", "failure_code", "refunded_amount", "created_at", "updated_at",
        )
        + "(%s, %s, 'sandbox', %s, %s, 'pending', '', '', 0, %s, %s)",
        charge=insert(
            t.charge, "ref", "idempotency_key", "token", "amount", "currency", "succeeded",
            "refunded_amount", "created_at",
        )
        + "(%s, %s, 'tok_visa', %s, %s, 1, 0, %s)",
        paid=f"UPDATE {t.payment} SET {p.status} = 'succeeded', {p.provider_ref} = %s,"  # noqa: S608 # nosec B608
        f" {p.updated_at} = %s WHERE {p.id} = %s",
        lock_hold=f"SELECT {h.status} FROM {t.hold} WHERE {h.id} = %s FOR UPDATE",  # noqa: S608 # nosec B608
        booking=insert(t.booking, "reference", "user", "hold", "status", "created_at")
        + "(%s, %s, %s, 'confirmed', %s)",
        booking_item=insert(
            t.booking_item, "booking", "position", "kind", "description", "price_amount",
            "price_currency", "units", "offer", "status", "refunded_amount", "service_start",
            "service_end", "free_cancellation_until", "refund_after_deadline",
        )
        + "(%s, 0, 'hotel', 'bench room', %s, %s, 1, %s, 'confirmed', 0, %s, %s, NULL, 0)",
        traveler=insert(
            t.traveler, "booking", "position", "type", "first_name", "last_name",
            "birth_date", "is_driver",
        )
        + "(%s, 0, 'adult', 'Bench', 'Traveler', NULL, 0)",
        booked=f"UPDATE {t.hold} SET {h.status} = 'booked' WHERE {h.id} = %s",  # noqa: S608 # nosec B608
        pay_booking=f"UPDATE {t.payment} SET {p.booking} = %s WHERE {p.id} = %s",  # noqa: S608 # nosec B608
    )  # fmt: skip
    return _RAW


def raw_iteration(conn, user_id: int, offer_json: str, price, night_id: int) -> bool:
    from datetime import UTC, datetime

    sql = _raw_sql()
    now = datetime.now(UTC).replace(tzinfo=None)
    hold_id = uuid.uuid4().hex
    c = conn.cursor()
    c.execute("BEGIN")
    c.execute(sql["lock_night"], (night_id,))
    c.execute(sql["take"], (night_id,))
    if c.rowcount != 1:
        c.execute("ROLLBACK")
        return False
    c.execute(sql["hold"], (hold_id, user_id, now, now + timedelta(minutes=15)))
    c.execute(sql["item"], (hold_id, price.amount, price.currency, offer_json))
    item_id = c.lastrowid
    c.execute(sql["unit"], (item_id, night_id))
    c.execute("COMMIT")
    c.execute(sql["payment"], (hold_id, user_id, price.amount, price.currency, now, now))
    payment_id = c.lastrowid
    ref = "ch_" + uuid.uuid4().hex[:24]
    c.execute(
        sql["charge"],
        (ref, f"travelguru-payment-{payment_id}", price.amount, price.currency, now),
    )
    c.execute(sql["paid"], (ref, now, payment_id))
    c.execute("BEGIN")
    c.execute(sql["lock_hold"], (hold_id,))
    c.execute(sql["booking"], ("TB-" + uuid.uuid4().hex[:9].upper(), user_id, hold_id, now))
    booking_id = c.lastrowid
    c.execute(
        sql["booking_item"],
        (booking_id, price.amount, price.currency, offer_json, now, now + timedelta(days=1)),
    )
    c.execute(sql["traveler"], (booking_id,))
    c.execute(sql["booked"], (hold_id,))
    c.execute(sql["pay_booking"], (booking_id, payment_id))
    c.execute("COMMIT")
    return True


# ---------------------------------------------------------------- O: the ORM floor


def orm_iteration(user_id: int, offer: dict, price, night_id: int) -> bool:
    """A's statements, one for one, written with the ORM in the most direct way: no quote,
    no check but the conditional UPDATE's row count, no idempotency, no search-cache bump,
    no policies. What any ORM service doing this work costs at least."""
    from datetime import UTC, datetime

    from django.db import transaction
    from django.db.models import F

    from bookings.models import (
        Booking,
        BookingItem,
        Hold,
        HoldItem,
        HoldStatus,
        HoldUnit,
        Payment,
        PaymentStatus,
        SandboxCharge,
        Traveler,
    )
    from catalog.models import RoomNight

    now = datetime.now(UTC)
    with transaction.atomic():
        RoomNight.objects.select_for_update().get(pk=night_id)
        taken = RoomNight.objects.filter(pk=night_id, rooms_available__gte=1).update(
            rooms_available=F("rooms_available") - 1
        )
        if taken != 1:
            transaction.set_rollback(True)
            return False
        hold = Hold.objects.create(
            user_id=user_id, status=HoldStatus.ACTIVE, created_at=now,
            expires_at=now + timedelta(minutes=15),
        )  # fmt: skip
        item = HoldItem.objects.create(
            hold=hold, position=0, kind="hotel", description="bench room",
            price_amount=price.amount, price_currency=price.currency, units=1, offer=offer,
        )  # fmt: skip
        HoldUnit.objects.create(item=item, room_night_id=night_id, units=1)
    payment = Payment.objects.create(
        hold=hold, user_id=user_id, provider="sandbox", amount=price.amount,
        currency=price.currency, status=PaymentStatus.PENDING, created_at=now, updated_at=now,
    )  # fmt: skip
    ref = "ch_" + uuid.uuid4().hex[:24]
    SandboxCharge.objects.create(
        ref=ref, idempotency_key=f"travelguru-payment-{payment.pk}", token="tok_visa",  # noqa: S106 - the sandbox test token
        amount=price.amount, currency=price.currency, succeeded=True,
    )  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.SUCCEEDED, provider_ref=ref, updated_at=now
    )
    with transaction.atomic():
        Hold.objects.select_for_update().get(pk=hold.pk)
        booking = Booking.objects.create(
            reference="TB-" + uuid.uuid4().hex[:9].upper(), user_id=user_id, hold=hold,
            created_at=now,
        )  # fmt: skip
        BookingItem.objects.create(
            booking=booking, position=0, kind="hotel", description="bench room",
            price_amount=price.amount, price_currency=price.currency, units=1, offer=offer,
            service_start=now, service_end=now + timedelta(days=1),
        )  # fmt: skip
        Traveler.objects.create(
            booking=booking, position=0, type="adult", first_name="Bench", last_name="Traveler"
        )
        Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.BOOKED)
        Payment.objects.filter(pk=payment.pk).update(booking=booking)
    return True


# ---------------------------------------------------------------- the three ways


def _plan(offers: list, nights: list, hot: bool):
    """(offer, night) for iteration i of client n."""
    if hot:
        return lambda n, i: (offers[0], nights[0])
    return lambda n, i: (offers[(n * 7919 + i) % len(offers)], nights[(n * 7919 + i) % len(offers)])


def _in_processes(call, make_state, *, duration: float):
    """Closed loop of CLIENTS clients as PROCESSES forked processes (CLIENTS // PROCESSES
    threads each), all starting at the same instant: (ok, failed, latencies, seconds)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # a child must never share the parent's socket
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    per = CLIENTS // PROCESSES
    start = time.perf_counter() + 0.5  # CLOCK_MONOTONIC: the same clock in every process

    def child(p: int) -> None:
        time.sleep(max(0.0, start - time.perf_counter()))
        out.put(
            closed_loop(
                call,
                clients=per,
                duration=duration,
                make_state=lambda k: make_state(p * per + k),
            )  # fmt: skip
        )

    children = [ctx.Process(target=child, args=(p,), daemon=True) for p in range(PROCESSES)]
    for c in children:
        c.start()
    results = [out.get(timeout=duration + 120) for _ in children]
    for c in children:
        c.join()
    return (
        sum(r[0] for r in results),
        sum(r[1] for r in results),
        [x for r in results for x in r[2]],
        max(r[3] for r in results),
    )


def way_a(database_url: str, users, offers, nights, hot: bool, duration: float):
    from bookings.services.holds import _offer_json

    plan = _plan(offers, nights, hot)
    jsons = [json.dumps(_offer_json(o)) for o in offers]

    def state(n: int):
        return (n, _raw_connect(database_url))

    def call(i: int, st) -> bool:
        n, conn = st
        offer, night = plan(n, i)
        return raw_iteration(
            conn,
            users[n].pk,
            jsons[offers.index(offer)] if hot else jsons[(n * 7919 + i) % len(offers)],
            offer.price,
            night.pk,
        )

    return _in_processes(call, state, duration=duration)


def way_o(users, offers, nights, hot: bool, duration: float):
    from bookings.services.holds import _offer_json

    plan = _plan(offers, nights, hot)
    documents = {id(o): _offer_json(o) for o in offers}

    def call(i: int, n) -> bool:
        offer, night = plan(n, i)
        return orm_iteration(users[n].pk, documents[id(offer)], offer.price, night.pk)

    return _in_processes(call, lambda n: n, duration=duration)


def way_b(users, offers, nights, hot: bool, duration: float):
    from django.utils import timezone

    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import hold_create

    plan = _plan(offers, nights, hot)
    traveler = [TravelerIn(type="adult", first_name="Bench", last_name="Traveler")]

    def call(i: int, n) -> bool:
        offer, _night = plan(n, i)
        hold = hold_create(user=users[n], offers=[offer], now=timezone.now())
        booking_create(
            user=users[n], hold_id=hold.pk, travelers=traveler,
            payment_token="tok_visa", now=timezone.now(),  # noqa: S106 - the sandbox test token
        )  # fmt: skip
        return True

    return _in_processes(call, lambda n: n, duration=duration)


def _tokens(users) -> list[str]:
    from django.utils import timezone

    from accounts.tokens import session_start

    return [session_start(user=u, now=timezone.now()).access for u in users]


def _http_pair(port: int, token: str, offer_id: str, conn: http.client.HTTPConnection):
    """POST /api/holds then POST /api/bookings: (ok, booking POST ms)."""
    headers = {
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Accept": "application/json",
    }  # fmt: skip
    conn.request("POST", "/api/holds", json.dumps({"items": [{"offer_id": offer_id}]}), headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 201:
        return response.status, 0.0
    hold_id = json.loads(body)["id"]
    started = time.perf_counter()
    conn.request(
        "POST", "/api/bookings",
        json.dumps({
            "hold_id": hold_id, "payment_token": "tok_visa",
            "travelers": [{"type": "adult", "first_name": "Bench", "last_name": "Traveler"}],
        }),
        {**headers, "Idempotency-Key": idempotency_key()},
    )  # fmt: skip
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def way_c(port: int, tokens, offer_ids, hot: bool, duration: float):
    def state(n: int):
        return (n, http.client.HTTPConnection("127.0.0.1", port, timeout=30))

    def call(i: int, st) -> bool:
        n, conn = st
        k = 0 if hot else (n * 7919 + i) % len(offer_ids)
        status, _ = _http_pair(port, tokens[n], offer_ids[k], conn)
        return status == 201

    return closed_loop(call, clients=CLIENTS, duration=duration, make_state=state)


def _figures(ok: int, failed: int, latencies: list[float], seconds: float) -> dict:
    return {"ok": ok, "failed": failed, "per_s": ok / seconds, **summary(latencies)}


def run(database_url: str, port: int, *, duration: float, rounds: int, open_rate: float,
        open_duration: float) -> dict:  # fmt: skip
    from django.db import connections

    from search.offers import offer_encode

    users = _users()
    nights = _rows(200)
    _reset(nights)
    offers = offers_for(nights)
    offer_ids = [offer_encode(o) for o in offers]
    tokens = _tokens(users)
    out: dict = {"per iteration": cpu_per_iteration(database_url, users, offers, nights)}
    with Gunicorn(
        database_url, port, workers=SERVER_WORKERS, threads=SERVER_THREADS, env=SERVER_ENV
    ) as server:
        for variant, hot in (("spread", False), ("hot row", True)):
            figures: dict[str, list] = {way: [] for way in WAYS}
            bad = 0
            for _ in range(rounds):
                for way in WAYS:
                    _reset(nights)
                    connections.close_all()
                    if way == "A":
                        result = way_a(database_url, users, offers, nights, hot, duration)
                    elif way == "O":
                        result = way_o(users, offers, nights, hot, duration)
                    elif way == "B":
                        result = way_b(users, offers, nights, hot, duration)
                    else:
                        result = way_c(server.port, tokens, offer_ids, hot, duration)
                    connections.close_all()
                    bad += oversold(nights)
                    figures[way].append(result)
            merged = {}
            for way, results in figures.items():
                ok = sum(r[0] for r in results)
                failed = sum(r[1] for r in results)
                lat = [x for r in results for x in r[2]]
                seconds = sum(r[3] for r in results)
                merged[way] = _figures(ok, failed, lat, seconds)
            out[variant] = {**merged, "oversold": bad}
        # The target's rate, then a quarter of it: what the latency is when not saturated.
        out["open loop bookings"] = [
            booking_open_loop(server.port, offers, nights, rate=rate, duration=open_duration)
            for rate in (2 * open_rate, open_rate / 2)
        ]
        # open loop: hold + booking POST pairs at open_rate pairs/s (2 requests each)
        _reset(nights)
        booking_ms: list[float] = []
        lock = threading.Lock()

        def pair(i: int, conn) -> int:
            status, ms = _http_pair(
                server.port, tokens[i % CLIENTS], offer_ids[i % len(offer_ids)], conn
            )
            with lock:
                if ms:
                    booking_ms.append(ms)
            return status

        result = open_loop(
            pair, rate=open_rate, duration=open_duration, workers=32,
            make_state=lambda: http.client.HTTPConnection("127.0.0.1", server.port, timeout=30),
        )  # fmt: skip
        out["open loop"] = {
            "requests_per_s": 2 * open_rate,
            "pair_from_schedule": summary(result.latencies_ms),
            "booking_post": summary(booking_ms),
            "statuses": result.statuses,
            "errors": result.errors,
            "oversold": oversold(nights),
        }
        out["lock timeout"] = lock_timeout(
            database_url, server.port, tokens[0], offer_ids[0], nights[0].pk
        )
    _reset(nights)
    return out


def cpu_per_iteration(
    database_url: str, users, offers, nights, *, n: int = 40, chunks: int = 5
) -> dict:
    """One client, one iteration after another: the client's CPU (process_time) and the
    round trips to MariaDB (the session's `Questions`) per hold + book, for A, O, B and C (C
    through django.test.Client in this process: the server's own work without gunicorn).
    Minimum over `chunks` runs of `n` iterations, the ways' runs alternating: a figure a
    shared machine cannot inflate much, since CPU time spent waiting for the cores is not
    counted."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import _offer_json, hold_create
    from search.offers import offer_encode

    def questions(cursor) -> int:
        cursor.execute("SHOW SESSION STATUS LIKE 'Questions'")
        return int(cursor.fetchone()[1]) + 1  # the SHOW itself counts

    def chunk(iteration, cursor_of) -> tuple[float, float]:
        _reset(nights)
        before_q, before = questions(cursor_of()), time.process_time()
        for i in range(n):
            iteration(i)
        cpu = (time.process_time() - before) / n * 1000
        return cpu, (questions(cursor_of()) - before_q - 1) / n

    raw = _raw_connect(database_url)
    jsons = [json.dumps(_offer_json(o)) for o in offers]
    documents = [_offer_json(o) for o in offers]
    traveler = [TravelerIn(type="adult", first_name="Bench", last_name="Traveler")]

    def a(i: int) -> None:
        k = i % len(offers)
        raw_iteration(raw, users[0].pk, jsons[k], offers[k].price, nights[k].pk)

    def o(i: int) -> None:
        k = i % len(offers)
        orm_iteration(users[0].pk, documents[k], offers[k].price, nights[k].pk)

    def b(i: int) -> None:
        hold = hold_create(user=users[0], offers=[offers[i % len(offers)]], now=timezone.now())
        booking_create(
            user=users[0], hold_id=hold.pk, travelers=traveler,
            payment_token="tok_visa", now=timezone.now(),  # noqa: S106 - the sandbox test token
        )  # fmt: skip

    # Keep the connection between the client's requests, as production does (the local
    # default closes it at the end of every request, which would also reset `Questions`).
    keep, connection.settings_dict["CONN_MAX_AGE"] = connection.settings_dict["CONN_MAX_AGE"], 300
    client = Client()
    token = _tokens(users[:1])[0]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/json"}
    ids = [offer_encode(o) for o in offers]

    def c(i: int) -> None:
        held = client.post(
            "/api/holds", {"items": [{"offer_id": ids[i % len(ids)]}]},
            content_type="application/json", **auth,
        )  # fmt: skip
        booked = client.post(
            "/api/bookings",
            {"hold_id": held.json()["id"], "payment_token": "tok_visa",
             "travelers": [{"type": "adult", "first_name": "Bench", "last_name": "Traveler"}]},
            content_type="application/json", HTTP_IDEMPOTENCY_KEY=idempotency_key(), **auth,
        )  # fmt: skip
        if booked.status_code != 201:
            raise RuntimeError(f"booking POST answered {booked.status_code}")

    # The ways' chunks alternate (A O B C A O B C ...), so a busy spell on the shared
    # machine falls on every way alike rather than on one.
    ways = {"A": (a, raw.cursor), "O": (o, connection.cursor), "B": (b, connection.cursor),
            "C": (c, connection.cursor)}  # fmt: skip
    runs: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
    try:
        c(0)  # first request: imports and URL resolver, not what is measured
        for _ in range(chunks):
            for way, (iteration, cursor_of) in ways.items():
                runs[way].append(chunk(iteration, cursor_of))
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = keep
        connection.close()
        raw.close()
    out = {
        way: {"cpu_ms": min(cpu for cpu, _ in r), "round_trips": min(t for _, t in r)}
        for way, r in runs.items()
    }
    _reset(nights)
    return out


def booking_open_loop(port: int, offers, nights, *, rate: float, duration: float) -> dict:
    """POST /api/bookings alone at `rate` per second for `duration` s, open loop.

    The holds are made beforehand through hold_create (not timed), spread over the rows and
    over enough users for MAX_ACTIVE_HOLDS; each POST books its own hold with its own
    Idempotency-Key. Latency is from the scheduled send time, so a queue that builds up
    shows in p99 (a request sent late is late)."""
    import math

    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    from bookings.services.holds import hold_create

    _reset(nights)
    total = max(1, int(rate * duration))
    users = _users(max(CLIENTS, math.ceil(total / settings.MAX_ACTIVE_HOLDS)))
    tokens = _tokens(users)
    holds: list[tuple[str, str]] = []
    for i in range(total):
        n = i % len(users)
        hold = hold_create(user=users[n], offers=[offers[i % len(offers)]], now=timezone.now())
        holds.append((tokens[n], str(hold.pk)))
    connections.close_all()
    body = {
        "payment_token": "tok_visa",
        "travelers": [{"type": "adult", "first_name": "Bench", "last_name": "Traveler"}],
    }

    def book(i: int, conn) -> int:
        token, hold_id = holds[i]
        conn.request(
            "POST", "/api/bookings", json.dumps({**body, "hold_id": hold_id}),
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
             "Accept": "application/json", "Idempotency-Key": idempotency_key()},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()
        return response.status

    result = open_loop(
        book, rate=rate, duration=duration, workers=64,
        make_state=lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30),
    )  # fmt: skip
    return {
        "requests_per_s": rate,
        "seconds": duration,
        "from_schedule": summary(result.latencies_ms),
        "service": summary(result.service_ms),
        "statuses": result.statuses,
        "errors": result.errors,
        "oversold": oversold(nights),
    }


def lock_timeout(database_url: str, port: int, token: str, offer_id: str, night_id: int) -> dict:
    """Hold the row lock for 6 s elsewhere; POST /api/holds must answer 409/503 once its
    bounded lock wait (3 s) is over."""
    conn = _raw_connect(database_url)
    c = conn.cursor()
    c.execute("BEGIN")
    c.execute(_raw_sql()["lock_row"], (night_id,))
    started = time.perf_counter()
    http_conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, _ = _http_pair(port, token, offer_id, http_conn)
    seconds = time.perf_counter() - started
    c.execute("ROLLBACK")
    conn.close()
    return {"status": status, "seconds": round(seconds, 2)}
