"""Recording traveler events: at most one INSERT per request, after commit, never failing it.

Every recorder builds unsaved `Event` rows and hands them to `events_record`, which writes
them with one (multi-row) INSERT in a `transaction.on_commit` callback (at once when no
transaction is open). A failure to record is logged and swallowed: analytics must never
cost a traveler a search or a booking. Nothing personal is stored (see analytics.models).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from analytics.models import Event, EventKind, Product
from travelguru.db import atomic_if_nested

logger = logging.getLogger(__name__)

SESSION_HEADER = "X-Session-Id"
SESSION_COOKIE = "tg_sid"
_SESSION_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def session_id_from(request: Any) -> str:
    """The opaque session id the front-end sends (header, else cookie); blank otherwise.

    Only a random-looking token is accepted (8-64 of [A-Za-z0-9_-]); anything else, such as
    an e-mail address pasted by a script, is dropped rather than stored. We never derive an
    id from the IP address, the user agent or the account.
    """
    raw = request.headers.get(SESSION_HEADER) or request.COOKIES.get(SESSION_COOKIE) or ""
    return raw if _SESSION_RE.fullmatch(raw) else ""


def group_key_of(kind: str, value: str) -> str:
    """A keyed hash standing for a hold id or booking reference (not reversible)."""
    return salted_hmac(f"analytics.{kind}", value).hexdigest()[:32]


def events_record(*, events: Sequence[Event]) -> None:
    """Write `events` with one INSERT once the surrounding transaction commits.

    Repeated bookings or cancellations (same kind, group and position) are ignored by the
    unique constraint, so replays and second cancels count once.
    """
    if not events:
        return
    rows = list(events)

    def write() -> None:
        try:
            if len(rows) == 1:
                _insert_one(rows[0])
            else:
                Event.objects.bulk_create(rows, ignore_conflicts=True)
        except Exception:  # analytics must never break the traveler's request
            logger.exception("analytics: could not record %d event(s)", len(rows))

    transaction.on_commit(write)


def _insert_one(event: Event) -> None:
    """One event (most requests record one): a plain INSERT, a duplicate ignored as the
    multi-row INSERT ignores it. bulk_create would wrap it in a transaction of its own, on
    MySQL three more round trips (SET autocommit, COMMIT, SET autocommit)."""
    try:
        with atomic_if_nested():
            event.save(force_insert=True)
    except IntegrityError:
        pass  # recorded already (analytics_event_once): a replay or a second cancel


def event_record(*, kind: str, now: datetime, session_id: str = "", **fields: Any) -> None:
    """Record one event (one INSERT after commit)."""
    events_record(events=[Event(kind=kind, occurred_at=now, session_id=session_id, **fields)])


# --- searches and offer views --------------------------------------------------------------


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _city_label(raw: str) -> str:
    """`"paris, fr"` -> `"Paris"`: the city part of what the traveler typed."""
    return raw.split(",")[0].strip().title()[:100]


def search_fields(
    *, product: str, params: Mapping[str, Any], results: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """What a successful search asked for, read from its (already validated) parameters."""
    fields: dict[str, Any] = {"product": product}
    slices = params.getlist("slices") if hasattr(params, "getlist") else params.get("slices")
    if product == Product.FLIGHT and slices:
        # A multi-city trip: from the first flight's origin and day to the last one's
        # destination and day, as a round trip reads.
        first, last = str(slices[0]).split(","), str(slices[-1]).split(",")
        params = {
            **{key: params.get(key) for key in ("passengers", "adults", "children", "infants")},
            "origin": first[0], "destination": last[1 % len(last)],
            "date": first[-1], "return_date": last[-1],
        }  # fmt: skip
    if product == Product.FLIGHT:
        adults = _int(params.get("passengers")) or _int(params.get("adults")) or 1
        start, end = _day(params.get("date")), _day(params.get("return_date"))
        fields |= {
            "origin": str(params.get("origin", "")).upper()[:100],
            "destination": str(params.get("destination", "")).upper()[:100],
            "start_date": start,
            "end_date": end,
            "party_size": adults
            + (_int(params.get("children")) or 0)
            + (_int(params.get("infants")) or 0),
        }
    elif product == Product.HOTEL:
        start, end = _day(params.get("check_in")), _day(params.get("check_out"))
        # The city as the catalog names it when a result says so, else as typed.
        city = results[0].get("city", {}).get("name", "") if results else ""
        if not city and params.get("city"):
            city = _city_label(str(params["city"]))
        fields |= {
            "destination": city[:100],
            "start_date": start,
            "end_date": end,
            "party_size": _int(params.get("guests")) or 2,
        }
    else:
        start, end = _day(params.get("pick_up")), _day(params.get("drop_off"))
        fields |= {
            "destination": str(params.get("location", "")).upper()[:100],
            "start_date": start,
            "end_date": end,
        }
    if start and end:
        fields["nights"] = (end - start).days
    return fields


def event_search_record(
    *,
    session_id: str,
    product: str,
    params: Mapping[str, Any],
    results_count: int,
    results: Sequence[Mapping[str, Any]] = (),
    latency_ms: float,
    now: datetime,
) -> None:
    """A search that answered: what was asked, how many results, how long it took."""
    fields = search_fields(product=product, params=params, results=results)
    if fields.get("start_date"):
        fields["lead_days"] = (fields["start_date"] - now.date()).days
    event_record(
        kind=EventKind.SEARCH,
        now=now,
        session_id=session_id,
        results_count=results_count,
        latency_ms=round(latency_ms, 3),
        **fields,
    )


def event_offer_view_record(
    *, session_id: str, product: str, price: Mapping[str, str] | None, now: datetime
) -> None:
    """An offer was looked at (re-priced) before a hold."""
    event_record(
        kind=EventKind.OFFER_VIEW,
        now=now,
        session_id=session_id,
        product=product,
        amount=Decimal(price["amount"]) if price else None,
        currency=price["currency"] if price else "",
    )


# --- holds, bookings, cancellations, payment failures -------------------------------------


def _item_events(
    *,
    kind: str,
    items: Iterable[Mapping[str, Any]],
    group_key: str,
    session_id: str,
    now: datetime,
    places: Mapping[tuple[str, int], tuple[str, str]] | None = None,
    amount_key: str = "price",
) -> list[Event]:
    events = []
    for item in items:
        offer = item.get("offer") or {}
        product = item["kind"]
        start = end = None
        party = None
        place_id = 0
        if product == Product.HOTEL:
            start, end = _day(offer.get("check_in")), _day(offer.get("check_out"))
            party = _int(offer.get("guests"))
            place_id = _int(offer.get("room_type_id")) or 0
        elif product == Product.CAR:
            start, end = _day(offer.get("pick_up")), _day(offer.get("drop_off"))
            place_id = _int(offer.get("car_id")) or 0
        else:
            start = _day(item.get("service_start"))
            if offer.get("return_fare_ids"):
                end = _day(item.get("service_end"))
            party = sum(_int(offer.get(k)) or 0 for k in ("adults", "children", "infants"))
            place_id = (offer.get("outbound_fare_ids") or [0])[-1]
        origin, destination = (places or {}).get((product, place_id), ("", ""))
        money = item.get(amount_key) or {}
        events.append(
            Event(
                kind=kind,
                occurred_at=now,
                session_id=session_id,
                product=product,
                origin=origin,
                destination=destination,
                start_date=start,
                end_date=end,
                lead_days=(start - now.date()).days if start else None,
                nights=(end - start).days if start and end else None,
                party_size=party,
                amount=Decimal(money["amount"]) if money else None,
                currency=money.get("currency", ""),
                group_key=group_key,
                position=item.get("position", 0),
            )
        )
    return events


def item_places(items: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], tuple[str, str]]:
    """(kind, id) -> (origin, destination) for booked items: at most one query per kind.

    Flights: the IATA codes of the first departure and the last outbound arrival (the
    outbound fare ids are in travel order); hotels: the hotel's city; cars: the airport.
    Taken from the offer where the hold kept them there (origin and destination, city,
    airport: bookings.services.holds), read from the catalog for offers held before.
    """
    from catalog.models import FlightFare, RentalCar, RoomType

    wanted: dict[str, set[int]] = {Product.FLIGHT: set(), Product.HOTEL: set(), Product.CAR: set()}
    first_fare: dict[int, int] = {}
    places: dict[tuple[str, int], tuple[str, str]] = {}
    for item in items:
        offer = item.get("offer") or {}
        if item["kind"] == Product.FLIGHT and offer.get("outbound_fare_ids"):
            fares = offer["outbound_fare_ids"]
            if offer.get("origin") and offer.get("destination"):
                places[(Product.FLIGHT, fares[-1])] = (offer["origin"], offer["destination"])
                continue
            wanted[Product.FLIGHT].update((fares[0], fares[-1]))
            first_fare[fares[-1]] = fares[0]
        elif item["kind"] == Product.HOTEL and offer.get("room_type_id"):
            if offer.get("city"):
                places[(Product.HOTEL, offer["room_type_id"])] = ("", offer["city"])
                continue
            wanted[Product.HOTEL].add(offer["room_type_id"])
        elif item["kind"] == Product.CAR and offer.get("car_id"):
            if offer.get("airport"):
                places[(Product.CAR, offer["car_id"])] = ("", offer["airport"])
                continue
            wanted[Product.CAR].add(offer["car_id"])
    # Each read fills a dict: the models' default ordering (a sort on the server, its
    # terms resolved in Python on every booking) is cleared with order_by().
    if wanted[Product.FLIGHT]:
        legs = {
            pk: (origin, destination)
            for pk, origin, destination in FlightFare.objects.filter(pk__in=wanted[Product.FLIGHT])
            .order_by()
            .values_list("pk", "leg__origin__iata", "leg__destination__iata")
        }
        for last, first in first_fare.items():
            if last in legs and first in legs:
                places[(Product.FLIGHT, last)] = (legs[first][0], legs[last][1])
    if wanted[Product.HOTEL]:
        for pk, city in (
            RoomType.objects.filter(pk__in=wanted[Product.HOTEL])
            .order_by()
            .values_list("pk", "hotel__city__name")
        ):
            places[(Product.HOTEL, pk)] = ("", city)
    if wanted[Product.CAR]:
        for pk, iata in (
            RentalCar.objects.filter(pk__in=wanted[Product.CAR])
            .order_by()
            .values_list("pk", "office__airport__iata")
        ):
            places[(Product.CAR, pk)] = ("", iata)
    return places


def event_hold_record(*, session_id: str, hold: Mapping[str, Any], now: datetime) -> None:
    """A hold was made: one row per item, from the hold as the API answered it."""
    events_record(
        events=_item_events(
            kind=EventKind.HOLD,
            items=hold["items"],
            group_key=group_key_of("hold", str(hold["id"])),
            session_id=session_id,
            now=now,
        )
    )


def event_booking_record(*, session_id: str, booking: Mapping[str, Any], now: datetime) -> None:
    """A booking was confirmed: one row per item with its destination, dates and price."""
    events_record(
        events=_item_events(
            kind=EventKind.BOOKING,
            items=booking["items"],
            group_key=group_key_of("booking", booking["reference"]),
            session_id=session_id,
            now=now,
            places=item_places(booking["items"]),
        )
    )


def event_cancellation_record(
    *, session_id: str, booking: Mapping[str, Any], now: datetime
) -> None:
    """A booking was cancelled: one row per item with the amount refunded (once only)."""
    if booking.get("status") != "cancelled":
        return
    events_record(
        events=_item_events(
            kind=EventKind.CANCELLATION,
            items=booking["items"],
            group_key=group_key_of("booking", booking["reference"]),
            session_id=session_id,
            now=now,
            amount_key="refunded",
        )
    )


def event_payment_failure_record(
    *, session_id: str, code: str, decline_code: str = "", now: datetime
) -> None:
    """A payment was declined or failed (no token, amount or card detail is kept)."""
    event_record(
        kind=EventKind.PAYMENT_FAILURE,
        now=now,
        session_id=session_id,
        detail=(decline_code or code)[:64],
    )
