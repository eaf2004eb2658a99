"""The local search engine's index: one denormalised document per searchable thing.

It is refreshed by `manage.py sync_search_index`, like CloudSearch in production, so it may
be stale; prices and availability are never read from it (they come from catalog rows).
"""

from __future__ import annotations

from django.db import models


class DocumentKind(models.TextChoices):
    AIRPORT = "airport", "Airport"
    CITY = "city", "City"
    HOTEL = "hotel", "Hotel"
    CAR_OFFICE = "car_office", "Car rental office"
    FLIGHT_LEG = "flight_leg", "Flight leg"


class SearchDocument(models.Model):
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    object_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=200)
    # " word word …" lowercased and accent-folded, with a leading space so that
    # `contains(" " + prefix)` finds word prefixes on every database.
    text = models.TextField()
    # Every engine query names the kind: the indexes below start with it (an index on
    # `code` or `city_id` alone let MariaDB intersect two indexes, reading both).
    code = models.CharField(max_length=8, blank=True)
    city_id = models.PositiveBigIntegerField(null=True)
    country_code = models.CharField(max_length=2, blank=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    stars = models.PositiveSmallIntegerField(null=True)
    amenities = models.CharField(max_length=500, blank=True, help_text="' code code '")
    popularity = models.FloatField(default=0, help_text="Higher ranks first in autocomplete")
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    rating_count = models.PositiveIntegerField(default=0)
    rating_score = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, help_text="Bayesian average: ranks by rating"
    )
    data = models.JSONField(default=dict, help_text="Fields shown in results as they are")
    indexed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_doc_unique"),
        ]
        indexes = [
            # a city's hotels, with the stars filter read from the index too
            models.Index(fields=["kind", "city_id", "stars"]),
            models.Index(fields=["kind", "code"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.name}"


class SyncState(models.Model):
    """How far an index sync got: `watermark` moves only after a batch is accepted."""

    engine = models.CharField(max_length=32, unique=True)
    watermark = models.DateTimeField(null=True)
    last_run_at = models.DateTimeField(null=True)
    # Held by the run syncing this engine, renewed after every batch: the daily run, the
    # resume schedule, Lambda's retry of a failed run and a run by hand never interleave
    # their checkpoints. A run that died holds it only until it lapses.
    lease_until = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.engine} @ {self.watermark}"


class SyncCheckpoint(models.Model):
    """One document kind's progress in one engine's index, saved after every accepted batch.

    `watermark`: every change made before it is in the index. A pass in progress has
    `pass_started_at` (the watermark it will leave behind), `pass_since` (the watermark it
    started from; null for a full rebuild) and `last_pk` (the last row the index accepted,
    rows go in primary-key order), so a run cut by the function's timeout resumes at the
    next row. `turn_at` is when a run last gave the kind its turn: the kind that waited
    longest goes first, so a kind too large for one run cannot starve the others.
    """

    engine = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    watermark = models.DateTimeField(null=True)
    pass_started_at = models.DateTimeField(null=True)
    pass_since = models.DateTimeField(null=True)
    pass_full = models.BooleanField(default=False)
    last_pk = models.BigIntegerField(default=0)
    turn_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engine", "kind"], name="search_checkpoint_engine_kind")
        ]

    def __str__(self) -> str:
        return f"{self.engine}/{self.kind} @ {self.watermark} (row {self.last_pk})"

    @property
    def in_pass(self) -> bool:
        return self.pass_started_at is not None
