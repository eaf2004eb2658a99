"""What a search may ask for: one set of rules for the query and for the offer it yields.

The search APIs check a query with these rules; `search.offers` checks a decoded offer id
with the same ones, because an offer id is only as trustworthy as the key that signed it
(the local one is public): an offer for 0 guests or -1 rooms must be refused as the query
for it would have been, not reach pricing and inventory. Plain functions, no imports
beyond the standard library: offers are decoded on every hold.
"""

from __future__ import annotations

from datetime import date

MAX_SEATS = 9  # travellers per flight booking, lap infants included
MAX_STOPS = 1  # connections per direction
MAX_NIGHTS = 30
MAX_ROOMS = 9
MAX_GUESTS = 36
MAX_RENTAL_DAYS = 30


def party_errors(*, adults: int, children: int, infants: int) -> dict[str, str]:
    """A flight party: 1-9 travellers in all, at most one lap infant per adult."""
    errors: dict[str, str] = {}
    if not 1 <= adults <= MAX_SEATS:
        errors["adults"] = f"From 1 to {MAX_SEATS} adults."
    if not 0 <= children <= MAX_SEATS:
        errors["children"] = f"From 0 to {MAX_SEATS} children."
    if not 0 <= infants <= MAX_SEATS:
        errors["infants"] = f"From 0 to {MAX_SEATS} infants."
    if errors:
        return errors
    if infants > adults:
        errors["infants"] = "Each infant travels on an adult's lap: at most one per adult."
    if adults + children > MAX_SEATS:
        errors["children"] = f"At most {MAX_SEATS} passengers per booking."
    elif adults + children + infants > MAX_SEATS:
        errors["infants"] = f"At most {MAX_SEATS} passengers per booking, lap infants included."
    return errors


def stay_errors(*, check_in: date, check_out: date, guests: int, rooms: int) -> dict[str, str]:
    """A hotel stay: 1-30 nights, 1-9 rooms, 1-36 guests, a guest in every room."""
    errors: dict[str, str] = {}
    nights = (check_out - check_in).days
    if nights < 1:
        errors["check_out"] = "Check-out must be at least one day after check-in."
    elif nights > MAX_NIGHTS:
        errors["check_out"] = f"A stay is at most {MAX_NIGHTS} nights."
    if not 1 <= rooms <= MAX_ROOMS:
        errors["rooms"] = f"From 1 to {MAX_ROOMS} rooms."
    if not 1 <= guests <= MAX_GUESTS:
        errors["guests"] = f"From 1 to {MAX_GUESTS} guests."
    elif guests < rooms:
        errors["guests"] = "Every room needs at least one guest."
    return errors


def rental_errors(*, pick_up: date, drop_off: date) -> dict[str, str]:
    """A car rental: 1-30 days."""
    days = (drop_off - pick_up).days
    if days < 1:
        return {"drop_off": "Drop-off must be at least one day after pick-up."}
    if days > MAX_RENTAL_DAYS:
        return {"drop_off": f"A rental is at most {MAX_RENTAL_DAYS} days."}
    return {}


MAX_SLICES = 6  # flights of a multi-city trip, each from an origin to a destination on a day


def slices_errors(slices: list[tuple[str, str, date]]) -> dict[str, str]:
    """A multi-city trip: 2-6 slices (origin, destination, day), each to another airport,
    in date order (a slice may leave on the day the previous one does: whether it leaves
    late enough after that one lands is the connection rule the offers are built with).

    Keys name the slice, `slices[2].date`, so the traveler sees which line of the form."""
    if not 2 <= len(slices) <= MAX_SLICES:
        return {"slices": f"From 2 to {MAX_SLICES} flights."}
    errors: dict[str, str] = {}
    for index, (origin, destination, day) in enumerate(slices):
        if origin == destination:
            errors[f"slices[{index}].destination"] = "The destination must differ from the origin."
        if index and day < slices[index - 1][2]:
            errors[f"slices[{index}].date"] = (
                f"This flight cannot leave before flight {index} (the one before it)."
            )
    return errors
