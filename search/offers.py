"""Offer ids: what the traveler asked for, signed so it cannot be forged or edited.

An `offer_id` carries the inventory rows (fares, room type, car), the dates, the party
and the price quoted at search time, signed with the project's secret (HMAC via
`django.core.signing`) and time-limited. The hold re-prices it from the database and
refuses it (409) when the price moved, so the quoted price is a promise to check, never
a price to charge.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.encoding import force_bytes
from rest_framework import status

from travelguru.errors import DomainError
from travelguru.money import Money

_SALT = "travelguru.offer.v1"


class InvalidOffer(DomainError):
    code = "invalid-offer"
    status = status.HTTP_400_BAD_REQUEST
    title = "This offer id is not one we issued"


class OfferExpired(DomainError):
    code = "offer-expired"
    status = status.HTTP_409_CONFLICT
    title = "This offer has expired; search again"


@dataclass(frozen=True)
class FlightOffer:
    """Fares per slice in travel order: one slice one way, two a round trip, up to
    `limits.MAX_SLICES` a multi-city trip; all held and booked together, at one price."""

    slices: tuple[tuple[int, ...], ...]
    adults: int
    children: int
    infants: int
    price: Money
    kind: str = "flight"

    @property
    def fare_ids(self) -> tuple[int, ...]:
        return tuple(fare for fares in self.slices for fare in fares)

    @property
    def outbound_fare_ids(self) -> tuple[int, ...]:
        return self.slices[0]

    @property
    def return_fare_ids(self) -> tuple[int, ...]:
        """Every fare after the first slice's (a round trip's return)."""
        return tuple(fare for fares in self.slices[1:] for fare in fares)


@dataclass(frozen=True)
class HotelOffer:
    room_type_id: int
    check_in: date
    check_out: date
    rooms: int
    guests: int
    price: Money
    kind: str = "hotel"


@dataclass(frozen=True)
class CarOffer:
    car_id: int
    pick_up: date
    drop_off: date
    price: Money
    kind: str = "car"


Offer = FlightOffer | HotelOffer | CarOffer


class _OfferSigner(signing.TimestampSigner):
    """`signing.dumps(…, salt=_SALT)`'s signer, byte for byte (a test compares them), keeping
    the keyed HMAC: `salted_hmac` derives the key (SHA-256 of salt and secret) and keys a new
    HMAC for every value, which a page of offers paid dozens of times. Ids are still checked
    by `signing.loads` (`offer_decode`), with the secret's fallbacks."""

    def __init__(self, secret: str) -> None:
        super().__init__(key=secret, salt=_SALT, algorithm="sha256")
        derived = hashlib.sha256(force_bytes(self.salt + "signer") + force_bytes(secret))
        self._mac = hmac.new(derived.digest(), digestmod=hashlib.sha256)

    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        if key is not None and key != self.key:
            return super().signature(value, key)
        mac = self._mac.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


@lru_cache(maxsize=2)
def _signer(secret: str) -> _OfferSigner:
    return _OfferSigner(secret)


def offer_encode(offer: Offer) -> str:
    payload: dict[str, Any] = {"$": str(offer.price.amount), "c": offer.price.currency}
    if isinstance(offer, FlightOffer):
        payload |= {
            "k": "f",
            "s": [list(fares) for fares in offer.slices],
            "p": [offer.adults, offer.children, offer.infants],
        }
    elif isinstance(offer, HotelOffer):
        payload |= {
            "k": "h",
            "t": offer.room_type_id,
            "d": [offer.check_in.isoformat(), offer.check_out.isoformat()],
            "n": [offer.rooms, offer.guests],
        }
    else:
        payload |= {
            "k": "c",
            "t": offer.car_id,
            "d": [offer.pick_up.isoformat(), offer.drop_off.isoformat()],
        }
    return _signer(settings.SECRET_KEY).sign_object(payload, compress=True)


def offer_decode(offer_id: str, *, now: datetime | None = None) -> Offer:
    """The offer an id stands for. Raises InvalidOffer (forged, edited, or asking for what
    no search allows) or OfferExpired.

    The signature proves only that the id was signed with our key, and the local key is
    public: the payload is checked as strictly as the query that would have made it (the
    rules of search.limits, positive ids, dates a search could have offered), so pricing
    and inventory never see an offer for 0 guests, -1 rooms or reversed dates."""
    if not isinstance(offer_id, str) or len(offer_id) > 2000:
        raise InvalidOffer()
    try:
        payload = signing.loads(offer_id, salt=_SALT, max_age=settings.OFFER_TTL_SECONDS)
    except signing.SignatureExpired:
        raise OfferExpired() from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise InvalidOffer() from None
    try:
        offer = _offer_from(payload)
    except (KeyError, IndexError, TypeError, ValueError, InvalidOperation, OverflowError):
        # Only reachable with our own key, i.e. an old payload shape: still not usable.
        raise InvalidOffer() from None
    errors = offer_errors(offer, now=now or timezone.now())
    if errors:
        raise InvalidOffer(
            "This offer asks for what no search offers: "
            + " ".join(f"{field}: {message}" for field, message in errors.items())
        )
    return offer


# Database ids are positive 64-bit integers.
_MAX_ID = 2**63 - 1
_CURRENCY = re.compile(r"[A-Z]{3}")


def _count(value: Any) -> int:
    """A whole number as the encoder writes it: an int, not a bool, float or string."""
    if type(value) is not int:
        raise TypeError("not an integer")
    return value


def _id(value: Any) -> int:
    value = _count(value)
    if not 1 <= value <= _MAX_ID:
        raise ValueError("not an id")
    return value


def _day(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise TypeError("not an ISO date")
    return date.fromisoformat(value)


def _pair(value: Any) -> list[Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise TypeError("not a pair")
    return value


def _offer_from(payload: Any) -> Offer:
    if not isinstance(payload, dict):
        raise TypeError("not an object")
    if not isinstance(payload["$"], str) or not isinstance(payload["c"], str):
        raise TypeError("not a price")
    amount = Decimal(payload["$"])
    if not amount.is_finite() or amount < 0 or not _CURRENCY.fullmatch(payload["c"]):
        raise ValueError("not a price")
    price = Money(amount, payload["c"])
    kind = payload["k"]
    if kind == "f":
        party = payload["p"]
        if not isinstance(party, list) or len(party) != 3:
            raise TypeError("not a party")
        adults, children, infants = (_count(n) for n in party)
        # Ids signed before multi-city trips name an outbound and a return ("o", "r").
        if "s" in payload:
            slices = payload["s"]
        else:
            slices = [payload["o"], payload["r"]] if payload["r"] else [payload["o"]]
        if not isinstance(slices, list) or not all(isinstance(s, list) for s in slices):
            raise TypeError("not fares")
        return FlightOffer(
            slices=tuple(tuple(_id(i) for i in fares) for fares in slices),
            adults=adults,
            children=children,
            infants=infants,
            price=price,
        )
    if kind == "h":
        rooms, guests = (_count(n) for n in _pair(payload["n"]))
        check_in, check_out = (_day(d) for d in _pair(payload["d"]))
        return HotelOffer(
            room_type_id=_id(payload["t"]),
            check_in=check_in,
            check_out=check_out,
            rooms=rooms,
            guests=guests,
            price=price,
        )
    if kind == "c":
        pick_up, drop_off = (_day(d) for d in _pair(payload["d"]))
        return CarOffer(car_id=_id(payload["t"]), pick_up=pick_up, drop_off=drop_off, price=price)
    raise ValueError("unknown kind")


def offer_errors(offer: Offer, *, now: datetime) -> dict[str, str]:
    """Why a search could not have made this offer ({} when it could have)."""
    from search import limits

    if isinstance(offer, FlightOffer):
        errors = limits.party_errors(
            adults=offer.adults, children=offer.children, infants=offer.infants
        )
        legs = limits.MAX_STOPS + 1
        fares = offer.fare_ids
        if not 1 <= len(offer.slices) <= limits.MAX_SLICES:
            errors["fares"] = f"From 1 to {limits.MAX_SLICES} slices."
        elif not all(1 <= len(fares) <= legs for fares in offer.slices):
            errors["fares"] = f"From 1 to {legs} flights a slice."
        elif len(set(fares)) != len(fares):
            errors["fares"] = "The same flight twice."
        return errors
    if isinstance(offer, HotelOffer):
        errors = limits.stay_errors(
            check_in=offer.check_in,
            check_out=offer.check_out,
            guests=offer.guests,
            rooms=offer.rooms,
        )
        first, last = offer.check_in, offer.check_out
    else:
        errors = limits.rental_errors(pick_up=offer.pick_up, drop_off=offer.drop_off)
        first, last = offer.pick_up, offer.drop_off
    # Dates a search could have offered at any moment of the offer's life: whether the
    # first day has since passed is the hold's question, not a forgery.
    from search.apis.common import horizon_end, today_anywhere

    issued_earliest = now - timedelta(seconds=settings.OFFER_TTL_SECONDS)
    if first < today_anywhere(issued_earliest) or last > horizon_end(today_anywhere(now)):
        errors["dates"] = "Outside the dates we sell."
    return errors
