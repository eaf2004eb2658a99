"""What travelers did, anonymously: one row per search, offer view, and per item of a hold,
booking or cancellation, and one per failed payment.

Rows carry no user, name, e-mail, booking reference or payment data. `session_id` is the
opaque id the front-end sends (`X-Session-Id`), never derived from anything personal;
`group_key` ties the items of one hold or booking together (and a booking to its
cancellation) through a keyed hash of the hold id or booking reference, which cannot be
turned back into the reference without the server's secret.
"""

from __future__ import annotations

from django.db import models


class EventKind(models.TextChoices):
    SEARCH = "search", "search"
    OFFER_VIEW = "offer_view", "offer view"
    HOLD = "hold", "hold"
    BOOKING = "booking", "booking"
    CANCELLATION = "cancellation", "cancellation"
    PAYMENT_FAILURE = "payment_failure", "payment failure"


class Product(models.TextChoices):
    FLIGHT = "flight", "flight"
    HOTEL = "hotel", "hotel"
    CAR = "car", "car"


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    occurred_at = models.DateTimeField(help_text="UTC")
    session_id = models.CharField(
        max_length=64, blank=True, help_text="Opaque id sent by the front-end; blank if none"
    )
    product = models.CharField(max_length=8, choices=Product.choices, blank=True)
    origin = models.CharField(max_length=100, blank=True, help_text="IATA code (flights)")
    destination = models.CharField(
        max_length=100, blank=True, help_text="IATA code (flights, cars) or city (hotels)"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    lead_days = models.IntegerField(null=True, blank=True, help_text="Days from event to start")
    nights = models.IntegerField(
        null=True, blank=True, help_text="Nights of a stay, days of a rental or a round trip"
    )
    party_size = models.SmallIntegerField(null=True, blank=True)
    results_count = models.IntegerField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    group_key = models.CharField(
        max_length=32, null=True, blank=True, help_text="Keyed hash of the hold or booking"
    )
    position = models.SmallIntegerField(null=True, blank=True, help_text="Item in the group")
    detail = models.CharField(max_length=64, blank=True, help_text="e.g. a decline code")

    class Meta:
        indexes = [models.Index(fields=["kind", "occurred_at"], name="analytics_kind_time")]
        constraints = [
            # A booking or cancellation is recorded once even when the request is repeated
            # (idempotent replays, a second cancel). NULL keys (searches) never collide.
            models.UniqueConstraint(
                fields=["kind", "group_key", "position"], name="analytics_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.product} {self.occurred_at:%Y-%m-%d %H:%M}"


class Dashboard(Event):
    """Proxy so the dashboard appears on the admin index (/admin/analytics/dashboard/)."""

    class Meta:
        proxy = True
        verbose_name = "dashboard"
        verbose_name_plural = "dashboard"
