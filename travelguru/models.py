"""The project's own tables: plumbing every app shares, owned by none of them."""

from __future__ import annotations

from django.db import models


class ResultsVersion(models.Model):
    """The version of each kind's cached search answers (travelguru.results_cache): a fresh
    random token, set after every committed change those answers show.

    Catalog edits, inventory changes and rating changes all set it, so it lives below
    every app; the table keeps the name it had in the search app (moving it changed no
    schema)."""

    kind = models.CharField(max_length=16, primary_key=True)
    version = models.CharField(max_length=32)

    class Meta:
        db_table = "search_resultsversion"

    def __str__(self) -> str:
        return f"{self.kind}: {self.version}"


class RateCounter(models.Model):
    """One client's request count in its current window, for the API throttles.

    A row per throttle key (`throttle_<scope>_<client ip or user id>`), shared by every
    process through the database; `travelguru.rate_counter.rate_hit` counts with one UPDATE.
    The table keeps the name it had in the accounts app (moving it changed no schema).
    """

    # `key` is a reserved word in MySQL: the column has a name of its own, so that no
    # statement depends on quoting it.
    key = models.CharField(max_length=191, primary_key=True, db_column="throttle_key")
    window_ends = models.DateTimeField(db_index=True)
    hits = models.PositiveIntegerField()

    class Meta:
        db_table = "accounts_ratecounter"

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} until {self.window_ends:%H:%M:%S}"
