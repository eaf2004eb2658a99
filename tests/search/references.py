"""Airports' and airlines' names as a process keeps them between flight searches."""

from __future__ import annotations

from catalog import references
from catalog.models import Airline, Airport


def names_kept_by_this_process() -> None:
    """Every airport and airline, as a process that has already searched keeps them
    (`catalog.references`): a test counting a search's queries counts the search's own, not
    the one read per table a process makes when it first needs a name."""
    references.places_by_id(Airport.objects.values_list("id", flat=True))
    references.carriers_by_id(Airline.objects.values_list("id", flat=True))
