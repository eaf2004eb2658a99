"""Amazon CloudSearch behind the search-engine interface (boto3 `cloudsearchdomain`).

Reads use the domain's search endpoint with structured queries: filter queries (`fq`)
for kind, city, stars, amenities and a latitude/longitude box, `haversin` distance as a
sort expression, facets. Writes send SDF batches to the document endpoint, split under
CloudSearch's limits (5 MB a batch, 1 MB a document) and retried with back-off when
throttled. Documents are `<kind>-<id>`; every field is declared in
infra/cloudsearch/index-fields.json.

CloudSearch is closed to new AWS accounts (2024): an OpenSearch engine would implement
the same six methods (see README).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from search.engines.base import (
    CarOfficeHit,
    Destination,
    Document,
    HotelHit,
    HotelQuery,
    LegQuery,
)
from search.models import DocumentKind, SyncState
from travelguru.errors import DomainError
from travelguru.text import fold, words

ENGINE_NAME = "cloudsearch"


class SearchUnavailable(DomainError):
    code = "search-unavailable"
    status = 503
    title = "Search is busy; try again in a moment"


MAX_BATCH_BYTES = 5 * 1024 * 1024
MAX_DOCUMENT_BYTES = 1024 * 1024
# What the sync fills an upload and a document toward: the documented limits less a margin
# (the service counts "5 MB" and "1 MB"; whether in powers of ten or two is not said, so
# the targets sit under both, with room for the array's brackets and commas).
BATCH_TARGET_BYTES = 4_500_000
DOCUMENT_TARGET_BYTES = 950_000
MAX_SIZE = 10000  # CloudSearch's largest page
MAX_ORIGIN_TERMS = 100  # origins in one filter query (about 1.7 kB of URL)
EARTH_RADIUS_KM = 6371.0088
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "SlowDown"}
_RETURN = (
    "kind,object_id,name,code,city_id,country_code,location,stars,amenities,popularity,"
    "rating_average,rating_count,rating_score,data"
)


def quote(value: str) -> str:
    """A value as a structured-query string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _and(*clauses: str) -> str:
    clauses = tuple(c for c in clauses if c)
    return clauses[0] if len(clauses) == 1 else f"(and {' '.join(clauses)})"


def _or(*clauses: str) -> str:
    return clauses[0] if len(clauses) == 1 else f"(or {' '.join(clauses)})"


def _word_prefixes(text: str) -> str:
    return _and(*(f"(prefix field=words {quote(w)})" for w in words(text)))


def _box(lat: float, lon: float, radius_km: float) -> str:
    """`location:['north,west','south,east']`: the latlon range CloudSearch filters by."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * max(math.cos(math.radians(lat)), 0.01)))
    north, south = min(lat + dlat, 90.0), max(lat - dlat, -90.0)
    west, east = max(lon - dlon, -180.0), min(lon + dlon, 180.0)
    return f"location:['{north:.6f},{west:.6f}','{south:.6f},{east:.6f}']"


def _one(fields: dict[str, list[str]], name: str, default: Any = None) -> Any:
    values = fields.get(name)
    return values[0] if values else default


def _latlon(fields: dict[str, list[str]]) -> tuple[float | None, float | None]:
    value = _one(fields, "location")
    if not value:
        return None, None
    lat, lon = value.split(",")
    return float(lat), float(lon)


def _utc(moment: datetime) -> str:
    """A date-field literal: ISO 8601 in UTC with a Z, as CloudSearch stores dates."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value).quantize(Decimal("0.01"))


def sdf_fields(doc: Document) -> dict[str, Any]:
    """A Document as CloudSearch fields (absent values are left out, not sent as null)."""
    fields: dict[str, Any] = {
        "kind": str(doc.kind),
        "object_id": doc.object_id,
        "name": doc.name,
        "words": doc.text.strip(),
        "code": doc.code,
        "city_id": doc.city_id,
        "country_code": doc.country_code,
        "stars": doc.stars,
        "amenities": list(doc.amenities),
        "popularity": doc.popularity,
        "rating_average": float(doc.rating_average) if doc.rating_average is not None else None,
        "rating_count": doc.rating_count,
        "rating_score": float(doc.rating_score) if doc.rating_score is not None else None,
        "data": json.dumps(doc.data, separators=(",", ":"), sort_keys=True),
    }
    if doc.latitude is not None and doc.longitude is not None:
        fields["location"] = f"{doc.latitude:.6f},{doc.longitude:.6f}"
    for name, value in doc.fields.items():
        fields[name] = (
            value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else value
        )
    return {k: v for k, v in fields.items() if v not in (None, "", [])}


def doc_id(kind: str, object_id: int) -> str:
    return f"{kind}-{object_id}"


class CloudSearchEngine:
    name = ENGINE_NAME
    kinds = frozenset(DocumentKind.values)
    # An index of its own, refreshed by the sync: its legs are candidates the flight
    # selector re-reads from the schedule (a stale index never sells).
    legs_are_the_schedule = False

    def __init__(
        self, search_client: Any = None, document_client: Any = None, *,
        upload_interval: float | None = None,
        clock: Any = time.monotonic, sleep: Any = time.sleep,
    ) -> None:  # fmt: skip
        # CloudSearch's documented rate is one batch every 10 seconds; faster is throttled
        # (and applied in no guaranteed order), so the sync's uploads are spaced.
        self.upload_interval = (
            settings.CLOUDSEARCH_UPLOAD_INTERVAL_SECONDS
            if upload_interval is None
            else upload_interval
        )
        self.clock, self.sleep = clock, sleep
        self._last_upload: float | None = None
        if search_client is None or document_client is None:
            import boto3
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2,
                            read_timeout=5)  # fmt: skip
            search_client = search_client or boto3.client(
                "cloudsearchdomain", endpoint_url=settings.CLOUDSEARCH_SEARCH_ENDPOINT,
                region_name=settings.AWS_REGION, config=config,
            )  # fmt: skip
            document_client = document_client or boto3.client(
                "cloudsearchdomain", endpoint_url=settings.CLOUDSEARCH_DOCUMENT_ENDPOINT,
                region_name=settings.AWS_REGION, config=config,
            )  # fmt: skip
        self.search_client = search_client
        self.document_client = document_client
        self.last_facets: dict[str, dict[str, int]] = {}

    # --- read side --------------------------------------------------------------------

    def _search(self, **params: Any) -> dict:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.search_client.search(queryParser="structured", **params)
        except (ClientError, BotoCoreError) as exc:  # throttled, down, unreachable
            raise SearchUnavailable() from exc

    def destinations(self, *, text: str, kinds: Sequence[str], limit: int) -> list[Destination]:
        folded = fold(text)
        if not folded or limit <= 0:
            return []
        code = folded.upper() if len(folded) == 3 and folded.isalpha() else ""
        match = _word_prefixes(folded)
        if code:
            match = _or(match, f"code:{quote(code)}")
        response = self._search(
            query=match,
            filterQuery=_or(*(f"kind:{quote(k)}" for k in kinds)),
            sort="popularity desc",
            size=min(max(limit * 4, 20), 200),
            **{"return": _RETURN},
        )
        hits = [h["fields"] for h in response["hits"]["hit"]]

        def rank(fields: dict) -> tuple:
            name = fold(_one(fields, "name", ""))
            return (
                _one(fields, "code", "") != code if code else True,
                not name.startswith(folded),
                -float(_one(fields, "popularity", 0)),
                name,
            )

        hits.sort(key=rank)
        return [self._destination(f) for f in hits[:limit]]

    def _destination(self, fields: dict[str, list[str]]) -> Destination:
        data = json.loads(_one(fields, "data", "{}"))
        lat, lon = _latlon(fields)
        kind = _one(fields, "kind")
        city_id = _one(fields, "city_id")
        return Destination(
            kind=kind,
            id=int(_one(fields, "object_id")),
            code=_one(fields, "code", "") if kind == DocumentKind.AIRPORT else "",
            name=_one(fields, "name", ""),
            city_name=data.get("city_name", _one(fields, "name", "")),
            country_code=_one(fields, "country_code", ""),
            latitude=lat,
            longitude=lon,
            timezone=data.get("timezone", ""),
            city_id=int(city_id) if city_id else None,
            airports=tuple(data.get("airports", ())),
        )

    def hotels(self, query: HotelQuery) -> list[HotelHit]:
        filters = [f"kind:{quote(DocumentKind.HOTEL)}"]
        centre: tuple[float, float] | None = None
        radius: float | None = None
        if query.city_id is not None:
            filters.append(f"city_id:{int(query.city_id)}")
            city = self._search(
                query="matchall",
                filterQuery=_and(
                    f"kind:{quote(DocumentKind.CITY)}", f"object_id:{int(query.city_id)}"
                ),
                size=1,
                **{"return": "location"},
            )["hits"]["hit"]
            if city:
                lat, lon = _latlon(city[0]["fields"])
                centre = (lat, lon) if lat is not None else None
        elif query.latitude is not None and query.longitude is not None:
            centre, radius = (query.latitude, query.longitude), query.radius_km
            filters.append(_box(query.latitude, query.longitude, query.radius_km))
        else:
            raise ValueError("a hotel query needs a city or a point")
        if query.min_stars:
            filters.append(f"(range field=stars [{int(query.min_stars)},5])")
        filters += [f"amenities:{quote(code)}" for code in query.amenities]
        params: dict[str, Any] = {
            "query": _word_prefixes(query.text) if words(query.text) else "matchall",
            "filterQuery": _and(*filters),
            "size": min(query.limit, MAX_SIZE),
            "facet": json.dumps(
                {"stars": {"sort": "bucket", "size": 5}, "amenities": {"sort": "count", "size": 30}}
            ),  # fmt: skip
            "return": _RETURN,
        }
        if centre is not None:
            params["expr"] = json.dumps(
                {
                    "distance": f"haversin({centre[0]:.6f},{centre[1]:.6f},"
                    "location.latitude,location.longitude)"
                }  # fmt: skip
            )
            params["sort"] = "distance asc"
            params["return"] = _RETURN + ",distance"
        response = self._search(**params)
        self.last_facets = {
            name: {b["value"]: b["count"] for b in facet.get("buckets", [])}
            for name, facet in response.get("facets", {}).items()
        }
        hits = []
        for hit in response["hits"]["hit"]:
            fields = hit["fields"]
            lat, lon = _latlon(fields)
            distance = hit.get("exprs", {}).get("distance")
            distance_km = round(float(distance), 2) if distance is not None else None
            if radius is not None and distance_km is not None and distance_km > radius:
                continue  # the box's corners lie outside the circle
            hits.append(
                HotelHit(
                    hotel_id=int(_one(fields, "object_id")),
                    stars=int(_one(fields, "stars", 0)),
                    amenities=tuple(fields.get("amenities", [])),
                    latitude=lat,
                    longitude=lon,
                    distance_km=distance_km,
                    rating_average=_decimal(_one(fields, "rating_average")),
                    rating_count=int(_one(fields, "rating_count", 0)),
                    rating_score=_decimal(_one(fields, "rating_score")),
                    data=json.loads(_one(fields, "data", "{}")),
                )
            )
        return hits

    def car_offices(self, *, airport_code: str) -> list[CarOfficeHit]:
        response = self._search(
            query="matchall",
            filterQuery=_and(
                f"kind:{quote(DocumentKind.CAR_OFFICE)}", f"code:{quote(airport_code.upper())}"
            ),  # fmt: skip
            sort="name asc",
            size=100,
            **{"return": _RETURN},
        )
        hits = []
        for hit in response["hits"]["hit"]:
            fields = hit["fields"]
            data = json.loads(_one(fields, "data", "{}"))
            hits.append(
                CarOfficeHit(
                    office_id=int(_one(fields, "object_id")),
                    airport_code=_one(fields, "code", ""),
                    vendor_name=data.get("vendor_name", ""),
                    data=data,
                )
            )
        return hits

    def flight_legs(self, query: LegQuery) -> list[int]:
        """Leg documents by airports and a departure range, every page of them."""
        filters = [
            f"kind:{quote(DocumentKind.FLIGHT_LEG)}",
            f"(range field=departure [{quote(_utc(query.departs_from))},"
            f"{quote(_utc(query.departs_until))}])",
        ]
        # Searches are GETs: a very long list of origins would make an over-long URL, so
        # past MAX_ORIGIN_TERMS the filter is left out (the caller keeps its own).
        if query.origins and len(query.origins) <= MAX_ORIGIN_TERMS:
            filters.append(_or(*(f"origin:{quote(code)}" for code in query.origins)))
        if query.destination:
            filters.append(f"destination:{quote(query.destination)}")
        return [int(i.rsplit("-", 1)[1]) for i in self._all_ids(_and(*filters))]

    def _all_ids(self, filter_query: str) -> list[str]:
        """Document ids matching a filter, following the cursor past CloudSearch's page size."""
        ids: list[str] = []
        cursor: str | None = "initial"
        while cursor:
            response = self._search(
                query="matchall", filterQuery=filter_query, cursor=cursor, size=MAX_SIZE,
                **{"return": "_no_fields"},
            )  # fmt: skip
            hits = response["hits"]["hit"]
            ids.extend(h["id"] for h in hits)
            done = not hits or len(ids) >= response["hits"]["found"]
            cursor = None if done else response["hits"].get("cursor")
        return ids

    def indexed_at(self) -> datetime | None:
        return (
            SyncState.objects.filter(engine=ENGINE_NAME)
            .values_list("last_run_at", flat=True)
            .first()
        )

    # --- write side -------------------------------------------------------------------

    def writer(self) -> CloudSearchEngine:
        return self

    def object_ids(self, kind: str) -> set[int]:
        return {int(i.rsplit("-", 1)[1]) for i in self._all_ids(f"kind:{quote(kind)}")}

    # The sync packs documents into uploads by their serialised size (see `encode`).
    batch_bytes = BATCH_TARGET_BYTES

    def encode(self, document: Document) -> bytes:
        """One add operation as the bytes an upload carries, cut to fit a document."""
        op = {"type": "add", "id": doc_id(document.kind, document.object_id),
              "fields": sdf_fields(document)}  # fmt: skip
        encoded = _encoded(fit_document(op, DOCUMENT_TARGET_BYTES))
        if len(encoded) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"document {op['id']} is {len(encoded)} bytes; CloudSearch takes 1 MB")
        return encoded

    def upload_delay(self) -> float:
        """Seconds until the documented upload rate allows the next batch."""
        if self._last_upload is None:
            return 0.0
        return max(0.0, self._last_upload + self.upload_interval - self.clock())

    def upload(self, encoded: Sequence[bytes]) -> int:
        """One upload of operations from `encode`; the caller keeps it under `batch_bytes`."""
        delay = self.upload_delay()
        if delay > 0:
            self.sleep(delay)
        try:
            self._upload(b"[" + b",".join(encoded) + b"]")
        finally:
            self._last_upload = self.clock()
        return 1

    def upsert(self, documents: Sequence[Document]) -> int:
        """Add or replace documents; returns how many SDF batches were uploaded."""
        return self.send([fit_document({"type": "add", "id": doc_id(d.kind, d.object_id),
                                        "fields": sdf_fields(d)}) for d in documents])  # fmt: skip

    def delete(self, kind: str, object_ids: Sequence[int]) -> int:
        return self.send([{"type": "delete", "id": doc_id(kind, pk)} for pk in object_ids])

    def send(self, operations: Sequence[dict]) -> int:
        """Upload SDF operations in batches under the size limits; returns the batch count."""
        batches = sdf_batches(operations)
        for batch in batches:
            self._upload(batch)
        return len(batches)

    def _upload(self, batch: bytes, *, attempts: int = 5) -> dict:
        from botocore.exceptions import ClientError

        delay = 0.5
        for attempt in range(1, attempts + 1):
            try:
                return self.document_client.upload_documents(
                    documents=batch, contentType="application/json"
                )
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in THROTTLED or attempt == attempts:
                    raise
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")


def _encoded(op: dict) -> bytes:
    return json.dumps(op, separators=(",", ":"), ensure_ascii=False).encode()


def fit_document(op: dict, limit: int = MAX_DOCUMENT_BYTES) -> dict:
    """An add operation under CloudSearch's 1 MB per document.

    Only `words` (the searchable text, e.g. a very long hotel description) can grow without
    bound: it is cut at a word boundary so the document fits, and the rest of the document
    is indexed as usual rather than failing the whole sync. Anything else that large is a
    bug and `sdf_batches` refuses it.
    """
    excess = len(_encoded(op)) - limit
    text = op.get("fields", {}).get("words")
    if excess <= 0 or not text:
        return op
    raw = text.encode()
    # JSON escaping can make a character longer than its UTF-8 bytes: leave some room.
    keep = raw[: max(0, len(raw) - excess - 1024)].decode(errors="ignore").rsplit(" ", 1)[0]
    return {**op, "fields": {**op["fields"], "words": keep}}


def sdf_batches(operations: Sequence[dict]) -> list[bytes]:
    """JSON arrays of SDF operations, each under 5 MB; a document over 1 MB is refused."""
    batches: list[bytes] = []
    current: list[bytes] = []
    size = 2  # the brackets
    for op in operations:
        encoded = _encoded(op)
        if len(encoded) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"document {op['id']} is {len(encoded)} bytes; CloudSearch takes 1 MB")
        if current and size + len(encoded) + 1 > MAX_BATCH_BYTES:
            batches.append(b"[" + b",".join(current) + b"]")
            current, size = [], 2
        current.append(encoded)
        size += len(encoded) + (1 if len(current) > 1 else 0)
    if current:
        batches.append(b"[" + b",".join(current) + b"]")
    return batches
