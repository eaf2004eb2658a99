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
