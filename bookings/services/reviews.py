"""A traveler reviews what they booked: the booking proves the stay, reviews keep the review.

Only bookings can tell which item of whose booking was used, and when; reviews (a layer
below, which search reads ratings from) is handed the verified item and never reads
bookings' tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bookings.models import Booking, BookingItem, BookingStatus, ItemKind
from bookings.selectors import booking_get
from catalog.local_time import local_today
from catalog.models import FlightFare, RentalCar, RoomType
from reviews.errors import NotReviewable
from reviews.models import Review, Subject
from reviews.services import review_create
from travelguru.errors import InvalidFields

if TYPE_CHECKING:
    from accounts.models import User


def review_subject(item: BookingItem) -> tuple[str, int, str]:
    """What a booked item lets its traveler review: the hotel, the rental company, or the
    airline (of the first flight when an itinerary mixes airlines); and the time zone of
    the place the service began (the hotel's city, the office's airport, the origin)."""
    offer = item.offer
    if item.kind == ItemKind.HOTEL:
        hotels = RoomType.objects.values_list("hotel_id", "hotel__city__timezone")
        return Subject.HOTEL, *hotels.get(pk=offer["room_type_id"])
    if item.kind == ItemKind.CAR:
        vendors = RentalCar.objects.values_list("office__vendor_id", "office__airport__timezone")
        return Subject.CAR_VENDOR, *vendors.get(pk=offer["car_id"])
    airlines = FlightFare.objects.values_list("leg__airline_id", "leg__origin__timezone")
    return Subject.AIRLINE, *airlines.get(pk=offer["outbound_fare_ids"][0])


def review_refusal(*, booking: Booking, item: BookingItem, now: datetime) -> str | None:
    """Why `item` of `booking` cannot be reviewed at `now`, or None when it can: the one
    rule, asked by booking_item_review and by the invitation to review sent after a trip.

    Completed means over at the place: `service_end` is the check-out time on the hotel's
    clock, the office's closing time on the drop-off day, the last landing. An item booked
    when its service was already over proves no stay, so it is never reviewable (a sale the
    product refuses, but one made before that rule must not vouch for a review).
    """
    if booking.status == BookingStatus.CANCELLED or item.status == BookingStatus.CANCELLED:
        return "A cancelled booking cannot be reviewed."
    if now < item.service_end:
        return f"Reviews open once the trip is over (after {item.service_end.isoformat()})."
    if booking.created_at >= item.service_end:
        return "This item was booked after it was over: there is no stay to review."
    return None


def booking_item_review(
    *,
    user: User,
    booking_reference: str,
    position: int | None,
    rating: int,
    sub_scores: dict[str, int],
    title: str,
    text: str,
    now: datetime,
) -> Review:
    """A pending review of one item of the caller's own booking that review_refusal
    allows. Another traveler's booking is 404 (not 403: its existence is not confirmed)."""
    booking = booking_get(user=user, reference=booking_reference)
    items = list(booking.items.all())
    if position is None:
        reviewable = [i for i in items if i.status == BookingStatus.CONFIRMED]
        if len(items) == 1:
            reviewable = items
        if len(reviewable) != 1:
            raise InvalidFields(
                {"item": ["This booking has several items: say which one (its position)."]}
            )
        item = reviewable[0]
    else:
        found = next((i for i in items if i.position == position), None)
        if found is None:
            raise InvalidFields({"item": ["This booking has no such item."]})
        item = found
    refusal = review_refusal(booking=booking, item=item, now=now)
    if refusal:
        raise NotReviewable(refusal)
    subject, subject_id, zone = review_subject(item)
    return review_create(
        user=user,
        booking_item_id=item.pk,
        subject=subject,
        subject_id=subject_id,
        # The day it began where it began (a dawn departure from Auckland is the previous
        # day in UTC).
        travelled_on=local_today(zone, now=item.service_start),
        rating=rating,
        sub_scores=sub_scores,
        title=title,
        text=text,
        now=now,
    )
