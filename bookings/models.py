"""Holds: inventory set aside for a traveler for a few minutes, all items or none.

A hold takes units out of the catalog's `available` counts at once (so nobody else can
sell them) and records exactly which rows and how many units in `HoldUnit`, so that
releasing or expiring it gives back precisely what it took.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from travelguru.money import Money, totals_by_currency


class HoldStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    # Claimed by one booking attempt, which is charging the card: no other attempt may
    # charge it, and it does not expire under the charge (see booking_create).
    PAYING = "paying", "Being paid"
    BOOKED = "booked", "Booked"
    RELEASED = "released", "Released by the traveler"
    EXPIRED = "expired", "Expired"


class ItemKind(models.TextChoices):
    FLIGHT = "flight", "Flight"
    HOTEL = "hotel", "Hotel stay"
    CAR = "car", "Car rental"


class Hold(models.Model):
    # A random id: a hold's URL reveals nothing and cannot be guessed from another.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holds"
    )
    status = models.CharField(max_length=10, choices=HoldStatus.choices, default=HoldStatus.ACTIVE)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    # When the booking attempt paying for it claimed it: a claim older than any request can
    # run was left by a process that died, and the scheduled jobs end it.
    paying_since = models.DateTimeField(null=True, blank=True)
    # When the traveler was told it is about to expire (once per hold).
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"hold {self.id} ({self.status})"

    def status_at(self, now: datetime) -> str:
        """What the traveler sees: an active hold past its expiry is expired already,
        whether or not `release_expired_holds` has given its inventory back yet. A hold
        being paid stays so past its expiry: it was claimed in time and the charge decides."""
        if self.status == HoldStatus.ACTIVE and now >= self.expires_at:
            return HoldStatus.EXPIRED
        return self.status

    def totals(self) -> list[Money]:
        """One total per currency (a USD flight and a EUR hotel are two totals)."""
        return totals_by_currency(item.price for item in self.items.all())


class HoldItem(models.Model):
    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=ItemKind.choices)
    description = models.CharField(max_length=300)
    price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    price_currency = models.CharField(max_length=3)
    units = models.PositiveSmallIntegerField(help_text="Seats, rooms or cars per inventory row")
    # What was asked (dates, party, rows), as the offer carried it: bookings build on it.
    # Also where the trip goes, as the quote read it (a hotel's city, a car's airport, a
    # flight's first slice's origin and destination airports).
    offer = models.JSONField()
    # The cancellation policy's catalog terms as the quote read them (search.selectors.
    # offers' terms_*): booking the hold computes its policy from them, reading no catalog
    # row. Null on items held before they were kept (the policy reads the catalog then).
    terms = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["hold_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["hold", "position"], name="hold_item_position"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.description}"

    @property
    def price(self) -> Money:
        return Money.of(self.price_amount, self.price_currency)


class HoldUnit(models.Model):
    """Units of one inventory row taken by a hold item (exactly one row reference is set)."""

    item = models.ForeignKey(HoldItem, on_delete=models.CASCADE, related_name="units_taken")
    fare = models.ForeignKey("catalog.FlightFare", null=True, blank=True, on_delete=models.PROTECT)
    room_night = models.ForeignKey(
        "catalog.RoomNight", null=True, blank=True, on_delete=models.PROTECT
    )
    car_day = models.ForeignKey("catalog.CarDay", null=True, blank=True, on_delete=models.PROTECT)
    units = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(fare__isnull=False, room_night__isnull=True, car_day__isnull=True)
                    | Q(fare__isnull=True, room_night__isnull=False, car_day__isnull=True)
                    | Q(fare__isnull=True, room_night__isnull=True, car_day__isnull=False)
                ),
                name="hold_unit_one_row",
            ),
            models.CheckConstraint(condition=Q(units__gt=0), name="hold_unit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.units} × {self.fare_id or self.room_night_id or self.car_day_id}"


# --- bookings ----------------------------------------------------------------------------


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class Booking(models.Model):
    """A paid trip. It exists only once every payment of it has succeeded."""

    reference = models.CharField(max_length=12, unique=True, help_text="e.g. TG-7K3QXM")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="booking")
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    created_at = models.DateTimeField()
    # When cancelling was first asked: refunds are computed for this moment, so a retry
    # after a failure asks the provider for exactly the same refunds (same idempotency keys).
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The language the traveler booked in (their request's Accept-Language, one of
    # settings.LANGUAGES): the messages about this booking are written in it.
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    # When the trip reminder was queued (once per booking).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        # Bookings are read-only in the admin; giving money back is a right of its own.
        # Up to SUPPORT_REFUND_LIMITS; refund_any_amount lifts the limit.
        permissions = [
            ("refund_booking", "Can cancel and refund bookings"),
            ("refund_any_amount", "Can refund bookings above the support refund limit"),
            ("correct_traveler_name", "Can correct the spelling of travelers' names"),
            ("resend_confirmation", "Can send a booking's confirmation again"),
        ]

    def __str__(self) -> str:
        return self.reference

    def totals(self) -> list[Money]:
        return totals_by_currency(item.price for item in self.items.all())


class BookingItem(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=ItemKind.choices)
    description = models.CharField(max_length=300)
    price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    price_currency = models.CharField(max_length=3)
    units = models.PositiveSmallIntegerField()
    offer = models.JSONField()
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # When the service is used (UTC): a stay from check-in to check-out, a flight from the
    # first departure to the last arrival, a rental from pick-up to drop-off.
    service_start = models.DateTimeField()
    service_end = models.DateTimeField()
    # The zones of the places where the service starts and ends (the hotel's, the office's,
    # the first departure's and the last arrival's airport), so answers show those instants
    # as the place's clock reads them. Blank (items booked before they were kept): UTC.
    start_timezone = models.CharField(max_length=64, blank=True, db_default="")
    end_timezone = models.CharField(max_length=64, blank=True, db_default="")
    # The cancellation policy as sold: a full refund until `free_cancellation_until`
    # (null: never free), then `refund_after_deadline` until the service starts, then none.
    free_cancellation_until = models.DateTimeField(null=True, blank=True)
    refund_after_deadline = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When its traveler was invited to review it (once per item, after the trip).
    review_invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["booking_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "position"], name="booking_item_position"),
        ]
        # Support's search by date of travel: items that run on a day are found by a range
        # on their start (a stay or a rental lasts at most a month).
        indexes = [models.Index(fields=["service_start"], name="booking_item_start")]

    def __str__(self) -> str:
        return f"{self.booking.reference} #{self.position} {self.description}"

    @property
    def price(self) -> Money:
        return Money.of(self.price_amount, self.price_currency)


class TravelerType(models.TextChoices):
    ADULT = "adult", "Adult (12+)"
    CHILD = "child", "Child (2-11)"
    INFANT = "infant", "Infant (under 2, on a lap)"


class Traveler(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="travelers")
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=8, choices=TravelerType.choices)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    is_driver = models.BooleanField(default=False)

    class Meta:
        ordering = ["booking_id", "position"]
        # Support's search box finds a booking by a traveler's name (a prefix of either).
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="traveler_last_first"),
            models.Index(fields=["first_name"], name="traveler_first"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


# --- payments ----------------------------------------------------------------------------


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending (sent to the provider)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (declined)"
    UNKNOWN = "unknown", "Unknown (provider timed out)"
    REFUNDED = "refunded", "Refunded"


class Payment(models.Model):
    """One charge attempt in one currency. Written *before* the provider is called, so a
    charge always has a row here, with or without a booking (see reconcile_payments)."""

    hold = models.ForeignKey(Hold, on_delete=models.PROTECT, related_name="payments")
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    provider = models.CharField(max_length=16)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices)
    provider_ref = models.CharField(max_length=100, blank=True, db_index=True)
    failure_code = models.CharField(max_length=64, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        permissions = [("refund_payment", "Can refund charges that have no booking")]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} {self.status}"

    @property
    def money(self) -> Money:
        return Money.of(self.amount, self.currency)

    @property
    def idempotency_key(self) -> str:
        """What the provider deduplicates this charge by: one charge per Payment row."""
        return f"travelguru-payment-{self.pk}"


class RefundStatus(models.TextChoices):
    # Set aside on the payment before the provider is asked (a staff refund): counted as
    # refunded, so a second request at once cannot give the same money back again.
    PENDING = "pending", "Sent to the provider"
    SUCCEEDED = "succeeded", "Succeeded"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=100)
    provider_ref = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.SUCCEEDED,
        db_default=RefundStatus.SUCCEEDED,
    )  # fmt: skip
    # Who asked (staff refunds; null: a traveler's cancellation or reconciliation).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    # One key per request (the form's, or the item being cancelled): the same request sent
    # twice, a double click or two tabs, makes one refund. Null for the other refunds.
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} of payment {self.payment_id}"


class BookingNote(models.Model):
    """Staff's internal note on a booking: never shown to the traveler (no API reads it)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["booking_id", "created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.booking_id}"


class IdempotencyRecord(models.Model):
    """The first response to (user, Idempotency-Key), replayed to retries for 24 hours."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, help_text="Null: in progress")
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key"),
        ]
        indexes = [models.Index(fields=["created_at"])]  # the purge of expired keys

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class SandboxCharge(models.Model):
    """The sandbox payment provider's own ledger (what a real provider's dashboard shows)."""

    ref = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    token = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    succeeded = models.BooleanField()
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.ref


class SandboxRefund(models.Model):
    ref = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.ref
