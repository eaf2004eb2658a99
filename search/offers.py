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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import signing
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
    outbound_fare_ids: tuple[int, ...]
    return_fare_ids: tuple[int, ...]
    adults: int
    children: int
    infants: int
    price: Money
    kind: str = "flight"


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
            "o": list(offer.outbound_fare_ids),
            "r": list(offer.return_fare_ids),
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


def offer_decode(offer_id: str) -> Offer:
    """The offer an id stands for. Raises InvalidOffer (forged, edited) or OfferExpired."""
    if not isinstance(offer_id, str) or len(offer_id) > 2000:
        raise InvalidOffer()
    try:
        payload = signing.loads(offer_id, salt=_SALT, max_age=settings.OFFER_TTL_SECONDS)
    except signing.SignatureExpired:
        raise OfferExpired() from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise InvalidOffer() from None
    try:
        price = Money(Decimal(payload["$"]), payload["c"])
        if payload["k"] == "f":
            adults, children, infants = (int(n) for n in payload["p"])
            return FlightOffer(
                outbound_fare_ids=tuple(int(i) for i in payload["o"]),
                return_fare_ids=tuple(int(i) for i in payload["r"]),
                adults=adults,
                children=children,
                infants=infants,
                price=price,
            )
        if payload["k"] == "h":
            rooms, guests = (int(n) for n in payload["n"])
            return HotelOffer(
                room_type_id=int(payload["t"]),
                check_in=date.fromisoformat(payload["d"][0]),
                check_out=date.fromisoformat(payload["d"][1]),
                rooms=rooms,
                guests=guests,
                price=price,
            )
        if payload["k"] == "c":
            return CarOffer(
                car_id=int(payload["t"]),
                pick_up=date.fromisoformat(payload["d"][0]),
                drop_off=date.fromisoformat(payload["d"][1]),
                price=price,
            )
    except (KeyError, TypeError, ValueError, InvalidOperation):
        pass
    # Only reachable with our own key, i.e. an old payload shape: still not usable.
    raise InvalidOffer()
