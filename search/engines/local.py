"""The embedded engine: the `search.SearchDocument` table, filled by `sync_search_index`.

Word-prefix matching over accent-folded text (`travelguru.text`) with plain `LIKE`, which
every database runs; the indexed tables are small (airports, cities, hotels, offices),
so a scan of one kind's rows is a few milliseconds. CloudSearch answers the same calls
in production.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from catalog.models import Airport, FlightLeg
from search.engines.base import (
    CarOfficeHit,
    Destination,
    Document,
    HotelHit,
    HotelQuery,
    LegQuery,
    SqlIds,
)
from search.models import DocumentKind, SearchDocument, SyncState
from travelguru.sql import Query, Select, Table, adapt_datetimes, marks, statement
from travelguru.text import fold, words

ENGINE_NAME = "local"
EARTH_RADIUS_KM = 6371.0088
# Autocomplete ranks this many best-known candidates in Python before cutting to `limit`.
_CANDIDATES = 200


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _matching_words(qs: QuerySet[SearchDocument], text: str) -> QuerySet[SearchDocument]:
    """Every query word must start a word of the document."""
    for word in words(text):
        qs = qs.filter(text__contains=" " + word)
    return qs


class LocalEngine:
    name = ENGINE_NAME
    # Flight legs are the schedule table itself (`flight_legs` reads it): no copy is kept,
    # and a flight search reads the schedule by its own conditions without asking.
    legs_are_the_schedule = True
    kinds = frozenset(
        {DocumentKind.AIRPORT, DocumentKind.CITY, DocumentKind.HOTEL, DocumentKind.CAR_OFFICE}
    )

    # --- read side --------------------------------------------------------------------

    def destinations(self, *, text: str, kinds: Sequence[str], limit: int) -> list[Destination]:
        folded = fold(text)
        if not folded or limit <= 0:
            return []
        code = folded.upper() if len(folded) == 3 and folded.isalpha() else ""
        qs = SearchDocument.objects.filter(kind__in=list(kinds))
        matches = _matching_words(qs, folded)
        if code:
            matches = qs.filter(Q(pk__in=matches.values("pk")) | Q(code=code))
        docs = list(matches.order_by("-popularity", "name")[:_CANDIDATES])

        def rank(doc: SearchDocument) -> tuple:
            name = fold(doc.name)
            city = fold(doc.data.get("city_name", ""))
            return (
                doc.code != code if code else True,  # the exact IATA code first
                not (name.startswith(folded) or city.startswith(folded)),
                -doc.popularity,
                doc.name,
            )

        docs.sort(key=rank)
        return [_destination(doc) for doc in docs[:limit]]

    def hotels(self, query: HotelQuery) -> list[HotelHit]:
        qs = SearchDocument.objects.filter(kind=DocumentKind.HOTEL)
        centre: tuple[float, float] | None = None
        radius: float | None = None
        if query.city_id is not None:
            qs = qs.filter(city_id=query.city_id)
            # The city's centre (distances are from it) read with its hotels, in one round
            # trip: an uncorrelated subquery, evaluated once.
            city = SearchDocument.objects.filter(kind=DocumentKind.CITY, object_id=query.city_id)
            qs = qs.annotate(
                centre_latitude=Subquery(city.values("latitude")[:1]),
                centre_longitude=Subquery(city.values("longitude")[:1]),
            )
        elif query.latitude is not None and query.longitude is not None:
            centre = (query.latitude, query.longitude)
            radius = query.radius_km
            qs = qs.filter(**_bounding_box(query.latitude, query.longitude, radius))
        else:
            raise ValueError("a hotel query needs a city or a point")
        if query.min_stars:
            qs = qs.filter(stars__gte=query.min_stars)
        for code in query.amenities:
            qs = qs.filter(amenities__contains=f" {code} ")
        if query.text:
            qs = _matching_words(qs, query.text)

        hits = []
        fields = [
            "object_id", "stars", "amenities", "latitude", "longitude", "rating_average",
            "rating_count", "rating_score",
        ]  # fmt: skip
        rows = qs.order_by().values_list(*fields)
        if query.city_id is not None:
            rows = qs.order_by().values_list(*fields, "centre_latitude", "centre_longitude")
        # Rows as tuples (a city has hundreds of hotels): no model instance per document, and
        # no `data` (a JSON blob per hotel): hotel search reads the hotels' rows themselves.
        for object_id, stars, amenities, latitude, longitude, average, count, score, *at in rows:
            if at and centre is None and at[0] is not None:
                centre = (at[0], at[1])
            distance = None
            if centre is not None and latitude is not None:
                distance = haversine_km(centre[0], centre[1], latitude, longitude)
                if radius is not None and distance > radius:
                    continue
            hits.append(
                HotelHit(
                    hotel_id=object_id,
                    stars=stars or 0,
                    amenities=tuple(amenities.split()),
                    latitude=latitude,
                    longitude=longitude,
                    distance_km=None if distance is None else round(distance, 2),
                    rating_average=average,
                    rating_count=count,
                    rating_score=score,
                )
            )
        hits.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0, h.hotel_id))
        return hits[: query.limit]

    def car_offices(self, *, airport_code: str) -> list[CarOfficeHit]:
        docs = SearchDocument.objects.filter(
            kind=DocumentKind.CAR_OFFICE, code=airport_code.upper()
        ).order_by("name")
        return [
            CarOfficeHit(
                office_id=doc.object_id,
                airport_code=doc.code,
                vendor_name=doc.data.get("vendor_name", ""),
                data=doc.data,
            )
            for doc in docs
        ]

    def flight_legs(self, query: LegQuery) -> SqlIds:
        """The schedule is this engine's leg index: a lazy id query (with its parameters)
        the caller's fare query embeds as a subquery, so the local engine costs no extra
        round trip."""
        params: list[object] = [*adapt_datetimes(query.departs_from, query.departs_until), False]
        params.extend(query.origins)
        if query.destination:
            params.append(query.destination)
        return SqlIds(_legs_sql(len(query.origins), bool(query.destination)), tuple(params))

    def indexed_at(self) -> datetime | None:
        rows = _indexed_at_query().fetch([ENGINE_NAME])
        return rows[0].last_run_at if rows else None

    # --- write side -------------------------------------------------------------------

    def writer(self) -> LocalEngine:
        return self

    def upsert(self, documents: Sequence[Document]) -> int:
        """Replace the documents in one transaction (one batch)."""
        now = timezone.now()
        rows = [_row(doc, now) for doc in documents]
        with transaction.atomic():
            for kind in {doc.kind for doc in documents}:
                ids = [doc.object_id for doc in documents if doc.kind == kind]
                SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()
            SearchDocument.objects.bulk_create(rows, batch_size=500)
        return 1

    def delete(self, kind: str, object_ids: Sequence[int]) -> int:
        ids = list(object_ids)
        for start in range(0, len(ids), 500):
            SearchDocument.objects.filter(
                kind=kind, object_id__in=ids[start : start + 500]
            ).delete()
        return math.ceil(len(ids) / 500)

    def object_ids(self, kind: str) -> set[int]:
        return set(SearchDocument.objects.filter(kind=kind).values_list("object_id", flat=True))


def _bounding_box(lat: float, lon: float, radius_km: float) -> dict[str, float]:
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    box = {"latitude__gte": lat - dlat, "latitude__lte": lat + dlat}
    cos_lat = math.cos(math.radians(lat))
    if cos_lat > 0.01:
        dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat))
        if lon - dlon >= -180 and lon + dlon <= 180:  # else the box wraps: filter by distance
            box |= {"longitude__gte": lon - dlon, "longitude__lte": lon + dlon}
    return box


def _row(doc: Document, now: datetime) -> SearchDocument:
    return SearchDocument(
        kind=doc.kind,
        object_id=doc.object_id,
        name=doc.name[:200],
        text=doc.text,
        code=doc.code,
        city_id=doc.city_id,
        country_code=doc.country_code,
        latitude=doc.latitude,
        longitude=doc.longitude,
        stars=doc.stars,
        amenities=(" " + " ".join(doc.amenities) + " ") if doc.amenities else "",
        popularity=doc.popularity,
        rating_average=doc.rating_average,
        rating_count=doc.rating_count,
        rating_score=doc.rating_score,
        data=doc.data,
        indexed_at=now,
    )


def _destination(doc: SearchDocument) -> Destination:
    return Destination(
        kind=doc.kind,
        id=doc.object_id,
        code=doc.code if doc.kind == DocumentKind.AIRPORT else "",
        name=doc.name,
        city_name=doc.data.get("city_name", doc.name),
        country_code=doc.country_code,
        latitude=doc.latitude,
        longitude=doc.longitude,
        timezone=doc.data.get("timezone", ""),
        city_id=doc.city_id,
        airports=tuple(doc.data.get("airports", ())),
    )


# Written out: a flight search runs it twice, and building it with the ORM cost more CPU
# than the search does with its rows.
@statement((0, False), (1, True), (2, False))
def _legs_sql(origins: int, destination: bool) -> str:
    """Ids of legs not cancelled departing in a range (both ends included), from one of
    `origins` airports (0: from anywhere)[, to a destination], by IATA code. Parameters:
    from, until, False, the origins' codes[, the destination's]."""
    leg, frm, to = Table(FlightLeg, "cl"), Table(Airport, "co"), Table(Airport, "cd")
    joins, where = [], [
        f"{leg.c.departure_at} >= %s", f"{leg.c.departure_at} <= %s", f"{leg.c.is_cancelled} = %s"
    ]  # fmt: skip
    if origins:
        joins.append(f"INNER JOIN {frm} ON {frm.c.id} = {leg.c.origin}")
        where.append(f"{frm.c.iata} IN ({marks(origins)})")
    if destination:
        joins.append(f"INNER JOIN {to} ON {to.c.id} = {leg.c.destination}")
        where.append(f"{to.c.iata} = %s")
    return f"SELECT {leg.c.id} FROM {leg} {' '.join(joins)} WHERE {' AND '.join(where)}"  # noqa: S608 # nosec B608


class _LastRun(NamedTuple):
    last_run_at: datetime | None


# Written out: every search answer shows it.
@statement()
def _indexed_at_query() -> Query[_LastRun]:
    state = Table(SyncState)
    last_run = Select(_LastRun, last_run_at=state.c.last_run_at)
    return Query(
        f"SELECT {last_run} FROM {state} WHERE {state.c.engine} = %s ORDER BY {state.c.id} LIMIT 1",  # noqa: S608 # nosec B608
        last_run,
    )
