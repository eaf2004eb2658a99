"""Holds: take inventory for a trip (flight, stay, car) all together, or none of it."""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery

from bookings.errors import (
    AccountClosed,
    HoldBeingPaid,
    HoldNotActive,
    HoldNotFound,
    PriceChanged,
    SoldOut,
    TooManyHolds,
)
from bookings.models import Hold, HoldItem, HoldStatus, HoldUnit
from bookings.services.inventory import (
    AVAILABLE,
    UNIT_FIELD,
    InventoryModel,
    InventoryRow,
    inventory_lock,
    inventory_take,
    lock_wait_bounded,
    units_give_back,
)
from catalog.models import RoomNight
from search.offers import FlightOffer, Offer, offer_encode
from search.selectors.offers import (
    OfferGone,
    OfferRows,
    Quote,
    offer_quote_rows,
    offer_rows,
    stay_length_check,
    units_sellable,
)
from travelguru.db import insert_rows
from travelguru.django_private import prefetched_rows_set

if TYPE_CHECKING:
    from accounts.models import User

MAX_ITEMS = 5
# How long a hold may stay claimed for payment (see booking_create) before the scheduled
# jobs take the claim for abandoned. Longer than any booking request can run (gunicorn and
# Lambda stop one at 30 s, the provider's timeouts and retries included), so a live payment
# is never cut short; shorter than reconcile_payments' grace period, so an abandoned hold
# is ended (and can no longer be booked) before its charge is refunded.
PAYMENT_CLAIM_LEASE = timedelta(minutes=2)


def _offer_json(offer: Offer) -> dict[str, Any]:
    data = dataclasses.asdict(offer)
    data["price"] = offer.price.as_json()
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    if isinstance(offer, FlightOffer):
        # Also under the keys of the rows stored before multi-city trips, which the items'
        # readers (cancellation policies, analytics, reviews) know: outbound is the first
        # slice, return every later one, in travel order.
        data["slices"] = [list(fares) for fares in offer.slices]
        data["outbound_fare_ids"] = list(offer.outbound_fare_ids)
        data["return_fare_ids"] = list(offer.return_fare_ids)
    return data


def hold_create(*, user: User, offers: Sequence[Offer], now: datetime) -> Hold:
    """Reserve every unit the offers need until now + HOLD_TTL_SECONDS, all or nothing.

    Rows are found without locks, then locked (see bookings.services.inventory) and
    re-read: availability and price are checked on the locked rows, so two travelers racing
    for the last room cannot both get it. Expired holds still sitting on the rows are ended
    before the rows are found short (reads and writes treat an expired hold as released,
    whether or not the expiry job has run): at once when the rows read short, else only if
    they ran short meanwhile, and then the locked attempt is made once more. Raises SoldOut
    (409), PriceChanged (409, with the new prices and fresh offer ids), OfferGone (404),
    InventoryBusy (503) or TooManyHolds (409); on any of them nothing was taken.
    """
    found = [offer_rows(offer=offer, now=now) for offer in offers]
    wanted: dict[InventoryModel, list[int]] = defaultdict(list)
    need: dict[tuple[InventoryModel, int], int] = defaultdict(int)
    for rows in found:
        wanted[rows.model].extend(rows.ids)
        for pk in rows.ids:
            need[(rows.model, pk)] += rows.needed
    # Ending expired holds costs a join over the rows' hold units: skipped while the rows
    # have enough without them (the expiry job gives those back in its own time).
    short = any(
        getattr(row, AVAILABLE[rows.model]) < need[(rows.model, row.pk)]
        for rows in found
        for row in rows.rows
    )
    if short:
        _holds_expire_on(wanted, now=now)
    # Quoted from the rows as read: the quote's catalog reads (room type, legs, car) need no
    # lock, so the locked window holds the inventory statements only (see _hold_take).
    read_quotes = [
        offer_quote_rows(offer=offer, rows=rows.rows, now=now, parent=rows.parent)
        for offer, rows in zip(offers, found, strict=True)
    ]
    take = functools.partial(
        _hold_take, user=user, offers=offers, found=found, wanted=wanted, need=need,
        read_quotes=read_quotes, now=now,
    )  # fmt: skip
    try:
        return take()
    except SoldOut:
        if short or not _holds_expire_on(wanted, now=now):
            raise
    return take()


def _priced(row: InventoryRow) -> tuple[Any, Any]:
    """What of an inventory row its quote's price depends on."""
    return row.price, getattr(row, "currency", None)


def _hold_take(
    *,
    user: User,
    offers: Sequence[Offer],
    found: list[OfferRows],
    wanted: dict[InventoryModel, list[int]],
    need: dict[tuple[InventoryModel, int], int],
    read_quotes: list[Quote],
    now: datetime,
) -> Hold:
    """Lock the rows, check them and take the units (one transaction).

    Availability always comes from the locked rows. The price is the quote made from the
    rows as read when the locked rows carry the same prices (the quote is a function of
    them and of unlocked catalog reads), and is quoted again from the locked rows if a
    price moved in between.

    The hold and its items are written before the inventory is locked (rows no one else
    sees before the commit, under the traveler's row lock; a refusal rolls them back), so
    the inventory stays locked for the take and the units only. The units come after the
    lock: their foreign keys share-lock the inventory rows they name, and two transactions
    sharing a row's lock before each asks for it exclusively would deadlock."""
    hold = Hold(
        user=user,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.HOLD_TTL_SECONDS),
    )
    new_items = [
        HoldItem(hold=hold, position=position, kind=offer.kind, units=rows.needed,
                 offer=_offer_json(offer))
        for position, (offer, rows) in enumerate(zip(offers, found, strict=True))
    ]  # fmt: skip
    for item, quote in zip(new_items, read_quotes, strict=True):
        _item_quoted(item, quote)
    with transaction.atomic():
        _holds_limit_check(user=user, now=now)
        hold.save(force_insert=True)
        # The units below need the items' ids: insert_rows gives them on every backend.
        items = insert_rows(new_items)
        locked = inventory_lock(wanted)
        quotes = []
        for offer, rows, read_quote in zip(offers, found, read_quotes, strict=True):
            try:
                current = [locked[rows.model][pk] for pk in rows.ids]
            except KeyError:
                raise OfferGone("Inventory of this offer was removed meanwhile.") from None
            if rows.model is RoomNight:  # staff may have changed it since it was read
                stay_length_check([r for r in current if isinstance(r, RoomNight)])
            if [_priced(r) for r in current] == [_priced(r) for r in rows.rows]:
                available = min(units_sellable(r) for r in current)
                quotes.append(dataclasses.replace(read_quote, available=available))
            else:
                quotes.append(offer_quote_rows(offer=offer, rows=current, now=now))

        short = sorted(
            {
                position
                for position, rows in enumerate(found)
                for pk in rows.ids
                if units_sellable(locked[rows.model][pk]) < need[(rows.model, pk)]
            }
        )
        if short:
            raise SoldOut(
                "Not enough left: " + "; ".join(quotes[i].description for i in short) + ".",
                items=[{"position": i, "available": quotes[i].available} for i in short],
            )
        changed = [i for i, quote in enumerate(quotes) if quote.price_changed]
        if changed:
            raise PriceChanged(
                "Prices changed since the search: review them and hold the new offers.",
                items=[
                    {
                        "position": i,
                        "quoted_price": offers[i].price.as_json(),
                        "price": quotes[i].price.as_json(),
                        "offer_id": offer_encode(
                            dataclasses.replace(offers[i], price=quotes[i].price)
                        ),
                    }
                    for i in changed
                ],
            )

        for item, quote in zip(items, quotes, strict=True):
            if _item_quoted(item, quote):  # quoted again from the locked rows (rare)
                item.save(
                    update_fields=["description", "price_amount", "price_currency", "terms",
                                   "offer"]
                )  # fmt: skip
        inventory_take((rows.model, pk, rows.needed) for rows in found for pk in rows.ids)
        HoldUnit.objects.bulk_create(
            [
                HoldUnit(item=item, units=rows.needed, **{UNIT_FIELD[rows.model]: pk})
                for item, rows in zip(items, found, strict=True)
                for pk in rows.ids
            ]
        )
    # The items just written are the hold's items: callers (the API's answer, totals)
    # read them from here instead of selecting them again.
    prefetched_rows_set(hold, "items", items)
    return hold


def _item_quoted(item: HoldItem, quote: Quote) -> bool:
    """Give the item the quote's description, price, terms and places; True if that changed
    them."""
    offer = {**item.offer, **quote.places}
    fields = (quote.description[:300], quote.price.amount, quote.price.currency, quote.terms)
    if (fields, offer) == (
        (item.description, item.price_amount, item.price_currency, item.terms),
        item.offer,
    ):
        return False
    item.description, item.price_amount, item.price_currency, item.terms = fields
    item.offer = offer
    return True


def _holds_limit_check(*, user: User, now: datetime) -> None:
    """Raise TooManyHolds if the traveler already holds MAX_ACTIVE_HOLDS trips.

    Counted under a lock of the traveler's row, taken first in the hold's transaction
    (before any inventory lock, in every transaction that takes both, so no deadlock): the
    traveler's parallel holds count one after the other, each seeing the ones committed
    before it, where counts made side by side all saw room for one more. Holds past their
    expiry do not count, released or not; holds being paid do, they still hold inventory.

    The count is a subquery of the locking read itself (one round trip where two were). It
    is correlated with the traveler's row, so it runs once that row is read, i.e. locked,
    and as a plain read (read committed) sees every hold committed before the lock was
    granted; it locks none of the holds. (Uncorrelated, MariaDB would count once before
    reading the row, before the lock: the race test lets parallel holds through then.)
    """
    held = (
        Hold.objects.filter(
            Q(status=HoldStatus.ACTIVE, expires_at__gt=now) | Q(status=HoldStatus.PAYING),
            user=OuterRef("pk"),
        )
        .order_by()
        # COUNT over the subquery's rows, no GROUP BY: one row, 0 when none match.
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    with lock_wait_bounded():
        rows = list(
            get_user_model().objects.select_for_update().filter(pk=user.pk)
            .annotate(held=Subquery(held))
            .values_list("is_active", "held")
        )  # fmt: skip
    # Re-read under the lock an erasure takes too: a request authenticated just before
    # the account was erased (or closed) starts no trip for it.
    if [active for active, _ in rows] != [True]:
        raise AccountClosed()
    if rows[0][1] >= settings.MAX_ACTIVE_HOLDS:
        raise TooManyHolds(
            f"You may hold {settings.MAX_ACTIVE_HOLDS} trips at once; book or release one first."
        )


def _holds_expire_on(wanted: dict[InventoryModel, list[int]], *, now: datetime) -> int:
    """End the expired holds still sitting on these rows before holding them, so an expired
    hold is released for a new traveler at once, not at the next run of the expiry job."""
    rows = Q()
    for model, ids in wanted.items():
        rows |= Q(**{f"{UNIT_FIELD[model]}__in": ids})
    due = (
        HoldUnit.objects.filter(rows, item__hold__status=HoldStatus.ACTIVE)
        .filter(item__hold__expires_at__lte=now)
        .values_list("item__hold_id", flat=True)
        .distinct()
    )
    return sum(
        _hold_end(hold_id=pk, status=HoldStatus.EXPIRED, now=now)[1] for pk in sorted(set(due))
    )


def _hold_end(
    *,
    hold_id: uuid.UUID,
    status: str,
    now: datetime,
    user: User | None = None,
    claimed_before: datetime | None = None,
) -> tuple[Hold, bool]:
    """Give back what an active hold took and mark it `status`; idempotent per hold.
    With `claimed_before`, the hold ended is instead one claimed for payment before then.

    The hold row is locked first, then its inventory (same order as hold_create's
    inventory locks), so an expiry racing a booking or a second expiry finds the hold
    already ended and does nothing.
    """
    with transaction.atomic(), lock_wait_bounded():
        holds = Hold.objects.select_for_update().filter(pk=hold_id)
        if user is not None:
            holds = holds.filter(user=user)
        hold = holds.first()
        if hold is None:
            raise HoldNotFound()
        if claimed_before is None:
            if hold.status != HoldStatus.ACTIVE:
                return hold, False
        elif (
            hold.status != HoldStatus.PAYING
            or hold.paying_since is None
            or hold.paying_since > claimed_before
        ):
            return hold, False
        units_give_back(HoldUnit.objects.filter(item__hold=hold))
        hold.status = status
        hold.released_at = now
        hold.save(update_fields=["status", "released_at"])
    return hold, True


def hold_release(*, user: User, hold_id: uuid.UUID, now: datetime) -> Hold:
    """The traveler gives a hold up before it expires."""
    hold = Hold.objects.filter(pk=hold_id, user=user).first()
    if hold is None:
        raise HoldNotFound()
    if hold.status == HoldStatus.BOOKED:
        raise HoldNotActive("This hold was booked; cancel the booking instead.")
    status = (
        HoldStatus.EXPIRED if hold.status_at(now) == HoldStatus.EXPIRED else HoldStatus.RELEASED
    )
    hold = _hold_end(hold_id=hold_id, status=status, now=now, user=user)[0]
    if hold.status == HoldStatus.PAYING:
        # Its payment is under way (another tab): letting go of it now would sell the
        # inventory again while the card is charged.
        raise HoldBeingPaid("This hold is being paid for; wait for the payment to finish.")
    return hold


def hold_expire_due(*, now: datetime, batch: int = 500) -> int:
    """Give back the inventory of every hold past its expiry, and end the abandoned claims
    for payment (hold_claims_end_stale); returns how many holds it ended or gave back.

    Safe to run concurrently with itself and with bookings (each hold is ended in its
    own short transaction under its row lock; one ended meanwhile is skipped). Works in
    batches until none is due, so a backlog clears in one run.
    """
    ended = len(hold_claims_end_stale(now=now))
    while True:
        due = list(
            Hold.objects.filter(status=HoldStatus.ACTIVE, expires_at__lte=now)
            .order_by("expires_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        ended += sum(_hold_end(hold_id=pk, status=HoldStatus.EXPIRED, now=now)[1] for pk in due)
        if len(due) < batch:
            return ended


def hold_claims_end_stale(*, now: datetime) -> list[uuid.UUID]:
    """End the claims for payment older than PAYMENT_CLAIM_LEASE (the process paying died):
    the hold is the traveler's again until its expiry, or, past it, expired with its
    inventory given back. Returns the holds' ids.

    A hold being paid never expires under its charge: the expiry (above, and hold_create's)
    passes over it while the claim is younger than any request can run, so its inventory is
    not sold again while the card is being charged. An ended claim can no longer be
    confirmed (confirming needs that very claim, by its time), so its charges are refunded
    as charges without a booking; reconcile_payments does that, at once for the claims it
    ends itself. The claim ends first so that nothing books the hold on a charge being
    given back.
    """
    cutoff = now - PAYMENT_CLAIM_LEASE
    stale = Hold.objects.filter(status=HoldStatus.PAYING, paying_since__lte=cutoff)
    ended = []
    for pk in stale.order_by("paying_since", "pk").values_list("pk", flat=True):
        with lock_wait_bounded():
            given_back = Hold.objects.filter(
                pk=pk, status=HoldStatus.PAYING, paying_since__lte=cutoff, expires_at__gt=now
            ).update(status=HoldStatus.ACTIVE, paying_since=None)
        if (
            given_back
            or _hold_end(hold_id=pk, status=HoldStatus.EXPIRED, now=now, claimed_before=cutoff)[1]
        ):
            ended.append(pk)
    return ended
