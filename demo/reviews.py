"""Demo reviews: past trips of demo reviewers, reviewed and approved, so ratings show.

Each review stands on a real (past, paid, completed) booking, as the product requires;
those bookings have no inventory rows (the catalog starts today).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from bookings.models import (
    Booking,
    BookingItem,
    Hold,
    HoldItem,
    HoldStatus,
    ItemKind,
    Payment,
    PaymentStatus,
    SandboxCharge,
    Traveler,
)
from catalog.models import Airline, CarVendor, Hotel
from reviews.models import (
    SUB_SCORES,
    ManagedProperty,
    RatingAggregate,
    Review,
    ReviewReply,
    ReviewStatus,
    Subject,
)
from reviews.services import rating_compute

FIRST = (
    "Ada", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jun", "Kofi",
    "Lena", "Mateo", "Nia", "Omar", "Priya",
)  # fmt: skip
LAST = (
    "Smith", "Garcia", "Müller", "Rossi", "Tanaka", "Dubois", "Silva", "Kim", "Novak",
    "Haddad", "Okafor", "Jensen",
)  # fmt: skip
TITLES = {
    5: ["Wonderful from start to finish", "Could not have been better", "Perfect"],
    4: ["Very good", "Would come back", "Great value"],
    3: ["Fine, nothing special", "Mixed feelings", "Okay for the price"],
    2: ["Disappointing", "Not what we expected"],
    1: ["Avoid", "Very poor"],
}
TEXTS = {
    Subject.HOTEL: {
        5: "Spotless room, friendly staff and a great breakfast. The location made it easy "
        "to walk everywhere.",
        4: "Comfortable beds and a quiet room. Breakfast was good; the lift was slow.",
        3: "Clean enough and well placed, but the room was small and a bit noisy at night.",
        2: "The room did not match the photos and check-in took almost an hour.",
        1: "Dirty bathroom and an unhelpful front desk. We left a night early.",
    },
    Subject.CAR_VENDOR: {
        5: "Quick pick-up, a nearly new car and no surprises at the counter.",
        4: "Good car and fair price; the shuttle to the office took a while.",
        3: "The car was fine but the queue at pick-up was long.",
        2: "We were pushed to buy extra insurance and the car was not clean.",
        1: "Hidden fees and a car with a warning light on. Never again.",
    },
    Subject.AIRLINE: {
        5: "On time, friendly crew and a comfortable seat. Smooth from check-in to landing.",
        4: "Pleasant flight, decent food; boarding was a little chaotic.",
        3: "Average flight: some delay, cramped seats, but we got there.",
        2: "Two hours late and little information from the crew.",
        1: "Cancelled at the gate and no help rebooking.",
    },
}


def _rating(rng: random.Random, quality: float) -> int:
    return max(1, min(5, round(rng.gauss(quality, 0.8))))


@transaction.atomic
def load_demo_reviews(*, seed: int, now: datetime) -> int:
    """Create approved reviews of hotels, car vendors and airlines; returns how many."""
    rng = random.Random(f"{seed}:reviews")
    User = get_user_model()
    reviewers = []
    for n in range(40):
        email = f"reviewer{n + 1}@travelguru.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(username=f"reviewer{n + 1}", email=email,
                        first_name=rng.choice(FIRST), last_name=rng.choice(LAST))  # fmt: skip
            user.set_unusable_password()
            user.save()
        reviewers.append(user)

    subjects: list[tuple[str, int, float, str]] = []  # subject, id, quality, description
    for hotel in Hotel.objects.filter(is_published=True).order_by("pk"):
        if rng.random() < 0.7:
            subjects += [
                (Subject.HOTEL, hotel.pk, 2.6 + 0.45 * hotel.stars, hotel.name)
            ] * rng.randint(1, 8)
    for vendor in CarVendor.objects.order_by("pk"):
        quality = rng.uniform(3.2, 4.6)
        subjects += [(Subject.CAR_VENDOR, vendor.pk, quality, vendor.name)] * rng.randint(15, 40)
    for airline in Airline.objects.order_by("pk"):
        quality = rng.uniform(3.0, 4.7)
        subjects += [(Subject.AIRLINE, airline.pk, quality, airline.name)] * rng.randint(3, 15)

    kind = {Subject.HOTEL: ItemKind.HOTEL, Subject.CAR_VENDOR: ItemKind.CAR,
            Subject.AIRLINE: ItemKind.FLIGHT}  # fmt: skip
    plans = []
    for subject, subject_id, quality, description in subjects:
        ended = now - timedelta(days=rng.randint(3, 400), hours=rng.randint(0, 23))
        started = ended - timedelta(days=rng.randint(1, 7) if subject != Subject.AIRLINE else 0,
                                    hours=rng.randint(2, 12))  # fmt: skip
        plans.append((subject, subject_id, quality, description, started, ended,
                      rng.choice(reviewers), Decimal(rng.randint(80, 900))))  # fmt: skip

    holds = Hold.objects.bulk_create(
        [Hold(user=p[6], status=HoldStatus.BOOKED, created_at=p[4] - timedelta(days=30),
              expires_at=p[4] - timedelta(days=30) + timedelta(minutes=15)) for p in plans]
    )  # fmt: skip
    HoldItem.objects.bulk_create(
        [HoldItem(hold=h, position=0, kind=kind[p[0]], description=p[3], price_amount=p[7],
                  price_currency="USD", units=1, offer={"demo": True})
         for h, p in zip(holds, plans, strict=True)]
    )  # fmt: skip
    bookings = Booking.objects.bulk_create(
        [Booking(reference=f"TG-D{n:05d}", user=p[6], hold=h, created_at=h.created_at)
         for n, (h, p) in enumerate(zip(holds, plans, strict=True))]
    )  # fmt: skip
    items = BookingItem.objects.bulk_create(
        [BookingItem(booking=b, position=0, kind=kind[p[0]], description=p[3],
                     price_amount=p[7], price_currency="USD", units=1, offer={"demo": True},
                     service_start=p[4], service_end=p[5])
         for b, p in zip(bookings, plans, strict=True)]
    )  # fmt: skip
    Traveler.objects.bulk_create(
        [Traveler(booking=b, position=0, type="adult", first_name=p[6].first_name,
                  last_name=p[6].last_name) for b, p in zip(bookings, plans, strict=True)]
    )  # fmt: skip
    payments = Payment.objects.bulk_create(
        [Payment(hold=b.hold, booking=b, user=p[6], provider="sandbox", amount=p[7],
                 currency="USD", status=PaymentStatus.SUCCEEDED, provider_ref=f"ch_demo_{n}",
                 created_at=b.created_at, updated_at=b.created_at)
         for n, (b, p) in enumerate(zip(bookings, plans, strict=True))]
    )  # fmt: skip
    SandboxCharge.objects.bulk_create(
        [SandboxCharge(ref=pay.provider_ref, idempotency_key=pay.idempotency_key,
                       token="tok_visa", amount=pay.amount, currency="USD", succeeded=True)
         for pay in payments]
    )  # fmt: skip
    reviews = []
    for item, (subject, subject_id, quality, *_rest) in zip(items, plans, strict=True):
        rating = _rating(rng, quality)
        reviews.append(
            Review(
                user=item.booking.user, booking_item=item, subject=subject,
                subject_id=subject_id, rating=rating,
                sub_scores={name: max(1, min(5, rating + rng.choice((-1, 0, 0, 1))))
                            for name in SUB_SCORES[subject]},
                title=rng.choice(TITLES[rating]), text=TEXTS[subject][rating],
                status=ReviewStatus.APPROVED, moderated_at=item.service_end + timedelta(days=1),
                travelled_on=item.service_start.date(),
                helpful_count=rng.choice((0, 0, 0, 1, 2, 5, 12)),
                created_at=item.service_end + timedelta(hours=rng.randint(2, 72)),
            )
        )  # fmt: skip
    Review.objects.bulk_create(reviews, batch_size=1000)
    _demo_manager_replies(reviews, now=now)
    RatingAggregate.objects.bulk_create(
        [RatingAggregate(subject=s, subject_id=i, updated_at=now,
                         **rating_compute(subject=s, subject_id=i))
         for s, i in sorted({(p[0], p[1]) for p in plans})],
        batch_size=500,
    )  # fmt: skip
    return len(reviews)


def _demo_manager_replies(reviews: list[Review], *, now: datetime) -> None:
    """The demo property manager (if the demo users exist) manages the most reviewed hotel,
    whose newest review has the hotel's approved reply: what the hotel page shows."""
    from collections import Counter

    from demo.users import MANAGER_EMAIL

    manager = get_user_model().objects.filter(email=MANAGER_EMAIL).first()
    hotels = Counter(r.subject_id for r in reviews if r.subject == Subject.HOTEL)
    if manager is None or not hotels:
        return
    hotel_id = hotels.most_common(1)[0][0]
    ManagedProperty.objects.get_or_create(user=manager, subject=Subject.HOTEL, subject_id=hotel_id)
    newest = max((r for r in reviews if r.subject_id == hotel_id and r.subject == Subject.HOTEL),
                 key=lambda r: r.created_at)  # fmt: skip
    ReviewReply.objects.create(
        review_id=Review.objects.get(booking_item=newest.booking_item).pk,
        text="Thank you for staying with us and for taking the time to write. We hope to "
        "welcome you again soon.",
        status=ReviewStatus.APPROVED, written_by=manager, moderated_at=now,
        created_at=min(newest.created_at + timedelta(days=1), now), updated_at=now,
        reviewer_told_at=now,
    )  # fmt: skip
