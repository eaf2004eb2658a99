"""The CloudSearch engine: every request checked against botocore's own service model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import boto3
import pytest
from botocore.stub import ANY, Stubber

from search.engines.base import Document, HotelQuery, LegQuery
from search.engines.cloudsearch import (
    MAX_BATCH_BYTES,
    MAX_DOCUMENT_BYTES,
    CloudSearchEngine,
    SearchUnavailable,
    sdf_batches,
)

pytestmark = pytest.mark.django_db


def hit(kind: str, object_id: int, **fields) -> dict:
    values = {"kind": kind, "object_id": str(object_id), **fields}
    return {"id": f"{kind}-{object_id}", "fields": {k: [str(v)] if not isinstance(v, list) else v
                                                     for k, v in values.items()}}  # fmt: skip


def page(*hits, cursor=None, facets=None, found=None) -> dict:
    """A search answer; `found` is the total over every page (this page's hits by default)."""
    found = len(hits) if found is None else found
    body = {"status": {"timems": 3, "rid": "r"}, "hits": {"found": found, "start": 0,
                                                          "hit": list(hits)}}  # fmt: skip
    if cursor:
        body["hits"]["cursor"] = cursor
    if facets:
        body["facets"] = facets
    return body


@pytest.fixture
def stubbed():
    domain = "tg.eu-west-1.cloudsearch.amazonaws.com"
    search = boto3.client(
        "cloudsearchdomain", region_name="eu-west-1", endpoint_url=f"https://search-{domain}"
    )
    docs = boto3.client(
        "cloudsearchdomain", region_name="eu-west-1", endpoint_url=f"https://doc-{domain}"
    )
    with Stubber(search) as search_stub, Stubber(docs) as doc_stub:
        yield CloudSearchEngine(search, docs), search_stub, doc_stub
        search_stub.assert_no_pending_responses()
        doc_stub.assert_no_pending_responses()


def test_autocomplete_query(stubbed):
    engine, search, _ = stubbed
    search.add_response(
        "search",
        page(
            hit(
                "airport",
                2,
                name="London Gatwick Airport",
                code="LGW",
                popularity="70",
                data=json.dumps({"city_name": "London", "timezone": "Europe/London"}),
                location="51.148,-0.190",
                country_code="GB",
                city_id="9",
            ),
            hit(
                "airport",
                1,
                name="Longyear Airport",
                code="LON",
                popularity="20",
                data="{}",
                country_code="SJ",
            ),
        ),  # fmt: skip
        {
            "queryParser": "structured",
            "query": "(or (prefix field=words 'lon') code:'LON')",
            "filterQuery": "kind:'airport'",
            "sort": "popularity desc",
            "size": 20,
            "return": ANY,
        },
    )

    found = engine.destinations(text="Lon", kinds=["airport"], limit=5)

    assert [d.code for d in found] == ["LON", "LGW"]  # the exact code first
    assert found[1].city_name == "London"
    assert (found[1].latitude, found[1].city_id) == (51.148, 9)


def test_hotels_by_city_with_filters_and_words(stubbed):
    engine, search, _ = stubbed
    search.add_response(
        "search", page(hit("city", 7, location="48.856600,2.352200")),
        {"queryParser": "structured", "query": "matchall",
         "filterQuery": "(and kind:'city' object_id:7)", "size": 1, "return": "location"},
    )  # fmt: skip
    search.add_response(
        "search",
        page(
            {
                **hit(
                    "hotel",
                    41,
                    stars="5",
                    amenities=["spa", "wifi"],
                    location="48.86,2.34",
                    rating_average="4.5",
                    rating_count="12",
                    rating_score="4.21",
                    data='{"currency": "EUR"}',
                ),
                "exprs": {"distance": "1.2345"},
            },
            facets={"stars": {"buckets": [{"value": "5", "count": 1}]}},
        ),  # fmt: skip
        {
            "queryParser": "structured",
            "query": "(and (prefix field=words 'eiffel') (prefix field=words 'view'))",
            "filterQuery": "(and kind:'hotel' city_id:7 (range field=stars [4,5]) "
            "amenities:'spa' amenities:'wifi')",
            "size": 2000,
            "facet": ANY,
            "return": ANY,
            "expr": json.dumps(
                {"distance": "haversin(48.856600,2.352200,location.latitude,location.longitude)"}
            ),  # fmt: skip
            "sort": "distance asc",
        },
    )

    [found] = engine.hotels(
        HotelQuery(city_id=7, min_stars=4, amenities=("spa", "wifi"), text="Eiffel view")
    )

    assert found.hotel_id == 41
    assert found.distance_km == 1.23
    assert (found.rating_average, found.rating_count, found.rating_score) == (
        Decimal("4.50"), 12, Decimal("4.21"),
    )  # fmt: skip
    assert found.amenities == ("spa", "wifi")
    assert engine.last_facets == {"stars": {"5": 1}}


def test_hotels_around_a_point_drop_the_box_corners(stubbed):
    engine, search, _ = stubbed
    search.add_response(
        "search",
        page({**hit("hotel", 1, stars="3"), "exprs": {"distance": "4.0"}},
             {**hit("hotel", 2, stars="3"), "exprs": {"distance": "6.5"}}),  # fmt: skip
        {"queryParser": "structured", "query": "matchall", "filterQuery": ANY, "size": 2000,
         "facet": ANY, "return": ANY, "expr": ANY, "sort": "distance asc"},
    )  # fmt: skip

    found = engine.hotels(HotelQuery(latitude=51.5, longitude=-0.12, radius_km=5))

    assert [h.hotel_id for h in found] == [1]  # 6.5 km lies in the box, outside the circle


def test_car_offices_at_an_airport(stubbed):
    engine, search, _ = stubbed
    search.add_response(
        "search",
        page(hit("car_office", 3, code="LHR", data='{"vendor_name": "Avis"}')),
        {"queryParser": "structured", "query": "matchall",
         "filterQuery": "(and kind:'car_office' code:'LHR')", "sort": "name asc", "size": 100,
         "return": ANY},
    )  # fmt: skip

    [office] = engine.car_offices(airport_code="lhr")

    assert (office.office_id, office.vendor_name) == (3, "Avis")


def test_empty_results(stubbed):
    engine, search, _ = stubbed
    search.add_response("search", page())

    assert engine.car_offices(airport_code="XXX") == []


def test_a_throttled_search_is_a_503_problem(stubbed):
    engine, search, _ = stubbed
    search.add_client_error("search", service_error_code="Throttling", http_status_code=429)

    with pytest.raises(SearchUnavailable):
        engine.car_offices(airport_code="LHR")


def test_quotes_in_text_cannot_break_the_query(stubbed):
    engine, search, _ = stubbed
    search.add_response(
        "search", page(),
        {"queryParser": "structured", "query": "(prefix field=words 'o')",
         "filterQuery": "kind:'city'", "sort": "popularity desc", "size": 20, "return": ANY},
    )  # fmt: skip

    assert engine.destinations(text="'o'", kinds=["city"], limit=5) == []


def test_object_ids_follow_the_cursor(stubbed):
    engine, search, _ = stubbed
    search.add_response("search", page(hit("hotel", 1), hit("hotel", 2), cursor="c2", found=3),
                        {"queryParser": "structured", "query": "matchall",
                         "filterQuery": "kind:'hotel'", "cursor": "initial", "size": 10000,
                         "return": "_no_fields"})  # fmt: skip
    search.add_response("search", page(hit("hotel", 3), cursor="c3", found=3),
                        {"queryParser": "structured", "query": "matchall",
                         "filterQuery": "kind:'hotel'", "cursor": "c2", "size": 10000,
                         "return": "_no_fields"})  # fmt: skip

    assert engine.object_ids("hotel") == {1, 2, 3}  # and no third request once all are read


def test_an_empty_index_answers_no_ids_in_one_request(stubbed):
    engine, search, _ = stubbed
    search.add_response("search", page(cursor="c1"))

    assert engine.object_ids("city") == set()


UTC_DAY = (datetime(2027, 3, 1, 5, tzinfo=UTC), datetime(2027, 3, 2, 5, tzinfo=UTC))
DAY_RANGE = "(range field=departure ['2027-03-01T05:00:00Z','2027-03-02T05:00:00Z'])"


def test_flight_legs_leaving_an_airport_on_a_day(stubbed):
    engine, search, _ = stubbed
    search.add_response(
        "search", page(hit("flight_leg", 11), hit("flight_leg", 12)),
        {"queryParser": "structured", "query": "matchall",
         "filterQuery": f"(and kind:'flight_leg' {DAY_RANGE} origin:'JFK')",
         "cursor": "initial", "size": 10000, "return": "_no_fields"},
    )  # fmt: skip

    ids = engine.flight_legs(LegQuery(departs_from=UTC_DAY[0], departs_until=UTC_DAY[1],
                                      origins=("JFK",)))  # fmt: skip

    assert ids == [11, 12]


def test_second_legs_from_several_hubs_to_one_airport_page_by_page(stubbed):
    engine, search, _ = stubbed
    wanted = f"(and kind:'flight_leg' {DAY_RANGE} (or origin:'DUB' origin:'KEF') destination:'LHR')"
    search.add_response(
        "search", page(hit("flight_leg", 1), cursor="next", found=2),
        {"queryParser": "structured", "query": "matchall", "filterQuery": wanted,
         "cursor": "initial", "size": 10000, "return": "_no_fields"},
    )  # fmt: skip
    search.add_response(
        "search", page(hit("flight_leg", 2), found=2),
        {"queryParser": "structured", "query": "matchall", "filterQuery": wanted,
         "cursor": "next", "size": 10000, "return": "_no_fields"},
    )  # fmt: skip

    ids = engine.flight_legs(LegQuery(departs_from=UTC_DAY[0], departs_until=UTC_DAY[1],
                                      origins=("DUB", "KEF"), destination="LHR"))  # fmt: skip

    assert ids == [1, 2]


def test_too_many_origins_leave_the_origin_filter_out(stubbed):
    engine, search, _ = stubbed
    search.add_response(
        "search", page(hit("flight_leg", 5)),
        {"queryParser": "structured", "query": "matchall",
         "filterQuery": f"(and kind:'flight_leg' {DAY_RANGE} destination:'LHR')",
         "cursor": "initial", "size": 10000, "return": "_no_fields"},
    )  # fmt: skip
    origins = tuple(f"A{n:02d}" for n in range(101))

    ids = engine.flight_legs(LegQuery(departs_from=UTC_DAY[0], departs_until=UTC_DAY[1],
                                      origins=origins, destination="LHR"))  # fmt: skip

    assert ids == [5]  # a superset: the flight selector keeps only its hubs


READS = {
    "autocomplete": lambda e: e.destinations(text="par", kinds=["city"], limit=5),
    "hotels by city": lambda e: e.hotels(HotelQuery(city_id=1)),
    "hotels by point": lambda e: e.hotels(HotelQuery(latitude=1.0, longitude=2.0)),
    "car offices": lambda e: e.car_offices(airport_code="LHR"),
    "flight legs": lambda e: e.flight_legs(
        LegQuery(departs_from=UTC_DAY[0], departs_until=UTC_DAY[1], origins=("JFK",))
    ),
    "index ids": lambda e: e.object_ids("hotel"),
}


@pytest.mark.parametrize(
    "code", ["Throttling", "ThrottlingException", "SearchException", "InternalFailure"]
)
@pytest.mark.parametrize("read", list(READS), ids=list(READS))
def test_every_read_turns_a_search_error_into_a_503_problem(stubbed, read, code):
    engine, search, _ = stubbed
    search.add_client_error("search", service_error_code=code, http_status_code=429)

    with pytest.raises(SearchUnavailable):
        READS[read](engine)


@pytest.mark.parametrize("read", list(READS), ids=list(READS))
def test_every_read_of_an_empty_domain_is_empty(stubbed, read):
    engine, search, _ = stubbed
    if read == "hotels by city":
        search.add_response("search", page(hit("city", 1, location="1.0,2.0")))  # the centre
    search.add_response("search", page())

    assert not READS[read](engine)


def test_botocore_validates_what_the_engine_sends():
    """Stubber answers after botocore's parameter validation: a bad request cannot pass."""
    from botocore.exceptions import ParamValidationError

    client = boto3.client(
        "cloudsearchdomain",
        region_name="eu-west-1",
        endpoint_url="https://search-x.eu-west-1.cloudsearch.amazonaws.com",
    )
    with Stubber(client) as stub:
        stub.add_response("search", page())
        with pytest.raises(ParamValidationError):
            client.search(query="matchall", size="ten")


def doc(n: int, **kw) -> Document:
    return Document(kind="hotel", object_id=n, name=f"Hotel {n}", text=" hotel ", stars=4,
                    amenities=("wifi",), latitude=48.8, longitude=2.3, **kw)  # fmt: skip


def test_upsert_and_delete_send_sdf(stubbed):
    engine, _, docs = stubbed
    docs.add_response(
        "upload_documents", {"status": "success", "adds": 1, "deletes": 0},
        {"contentType": "application/json", "documents": ANY},
    )  # fmt: skip
    docs.add_response(
        "upload_documents", {"status": "success", "adds": 0, "deletes": 2},
        {"contentType": "application/json",
         "documents": b'[{"type":"delete","id":"hotel-8"},{"type":"delete","id":"hotel-9"}]'},
    )  # fmt: skip

    engine.upsert([doc(1, rating_average=Decimal("4.50"), rating_count=3)])
    engine.delete("hotel", [8, 9])


def test_sdf_fields_and_batches():
    from search.engines.cloudsearch import sdf_fields

    fields = sdf_fields(doc(1, rating_average=Decimal("4.50"), rating_count=3))
    assert fields["location"] == "48.800000,2.300000"
    assert fields["rating_average"] == 4.5
    assert fields["amenities"] == ["wifi"]
    assert "city_id" not in fields  # absent values are not sent as null

    big = [{"type": "add", "id": f"hotel-{n}", "fields": {"words": "x" * 600_000}}
           for n in range(20)]  # fmt: skip
    batches = sdf_batches(big)
    assert len(batches) == 3
    assert all(len(b) <= MAX_BATCH_BYTES for b in batches)
    assert sum(len(json.loads(b)) for b in batches) == 20
    with pytest.raises(ValueError, match="1 MB"):
        sdf_batches([{"type": "add", "id": "hotel-1", "fields": {"words": "x" * 1_100_000}}])


def sized(n_bytes: int, n: int = 1) -> dict:
    """An add operation whose SDF encoding is exactly `n_bytes` long."""
    op = {"type": "add", "id": f"hotel-{n}", "fields": {"words": ""}}
    empty = len(json.dumps(op, separators=(",", ":")))
    op["fields"]["words"] = "x" * (n_bytes - empty)
    return op


def test_a_document_of_exactly_1_mb_is_taken_one_byte_more_is_refused():
    assert len(sdf_batches([sized(MAX_DOCUMENT_BYTES)])) == 1
    with pytest.raises(ValueError, match="1 MB"):
        sdf_batches([sized(MAX_DOCUMENT_BYTES + 1)])


def test_a_batch_of_exactly_5_mb_is_one_batch_one_byte_more_is_two():
    # "[" + five documents + four commas + "]": 6 bytes of framing
    full = [sized(MAX_DOCUMENT_BYTES, n) for n in range(4)]
    last = MAX_BATCH_BYTES - 6 - 4 * MAX_DOCUMENT_BYTES

    exact = sdf_batches([*full, sized(last, 9)])
    over = sdf_batches([*full, sized(last + 1, 9)])

    assert [len(b) for b in exact] == [MAX_BATCH_BYTES]
    assert len(over) == 2
    assert all(len(b) <= MAX_BATCH_BYTES for b in over)
    assert [len(json.loads(b)) for b in over] == [4, 1]


def test_fit_document_cuts_only_the_words_at_a_word_boundary():
    from search.engines.cloudsearch import fit_document

    op = {"type": "add", "id": "hotel-1",
          "fields": {"name": "Big", "words": "élan " * 300_000}}  # fmt: skip

    fitted = fit_document(op)

    encoded = json.dumps(fitted, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(encoded) <= MAX_DOCUMENT_BYTES
    assert fitted["fields"]["name"] == "Big"
    assert set(fitted["fields"]["words"].split(" ")) == {"élan"}
    assert fit_document(sized(1000)) == sized(1000)  # small documents are left alone


def test_throttled_uploads_are_retried_with_back_off(stubbed, monkeypatch):
    engine, _, docs = stubbed
    waits: list[float] = []
    monkeypatch.setattr("search.engines.cloudsearch.time.sleep", waits.append)
    docs.add_client_error("upload_documents", service_error_code="Throttling", http_status_code=429)
    docs.add_client_error("upload_documents", service_error_code="Throttling", http_status_code=429)
    docs.add_response("upload_documents", {"status": "success", "adds": 1, "deletes": 0})

    engine.upsert([doc(1)])

    assert waits == [0.5, 1.0]


def test_other_upload_errors_are_not_retried(stubbed):
    from botocore.exceptions import ClientError

    engine, _, docs = stubbed
    docs.add_client_error("upload_documents", service_error_code="DocumentServiceException",
                          http_status_code=400)  # fmt: skip

    with pytest.raises(ClientError):
        engine.upsert([doc(1)])


# A table of reads and the exact request each must send (botocore validates every one
# against the service model before the stub answers).
FACETS = json.dumps(
    {"stars": {"sort": "bucket", "size": 5}, "amenities": {"sort": "count", "size": 30}}
)
HAVERSIN = "haversin({},location.latitude,location.longitude)"
QUERY_TABLE = [
    (
        "autocomplete: words of a city name, cities and airports",
        lambda e: e.destinations(text="São Pau", kinds=["city", "airport"], limit=3),
        {"query": "(and (prefix field=words 'sao') (prefix field=words 'pau'))",
         "filterQuery": "(or kind:'city' kind:'airport')", "sort": "popularity desc",
         "size": 20},
    ),
    (
        "autocomplete: a three-letter code may be an IATA code",
        lambda e: e.destinations(text="cdg", kinds=["airport"], limit=10),
        {"query": "(or (prefix field=words 'cdg') code:'CDG')", "filterQuery": "kind:'airport'",
         "sort": "popularity desc", "size": 40},
    ),
    (
        "hotels around a point: box filter, haversin sort, facets",
        lambda e: e.hotels(HotelQuery(latitude=0.0, longitude=0.0, radius_km=111.19508)),
        {"query": "matchall",
         "filterQuery": "(and kind:'hotel' location:['1.000000,-1.000000','-1.000000,1.000000'])",
         "size": 2000, "facet": FACETS, "sort": "distance asc",
         "expr": json.dumps({"distance": HAVERSIN.format("0.000000,0.000000")})},
    ),
    (
        "hotels around a point with stars, two amenities and words",
        lambda e: e.hotels(HotelQuery(latitude=0.0, longitude=0.0, radius_km=111.19508,
                                      min_stars=3, amenities=("pool", "wifi"), text="spa")),
        {"query": "(prefix field=words 'spa')",
         "filterQuery": "(and kind:'hotel' location:['1.000000,-1.000000','-1.000000,1.000000'] "
                        "(range field=stars [3,5]) amenities:'pool' amenities:'wifi')",
         "size": 2000, "facet": FACETS, "sort": "distance asc",
         "expr": json.dumps({"distance": HAVERSIN.format("0.000000,0.000000")})},
    ),
    (
        "hotels limited to fewer results",
        lambda e: e.hotels(HotelQuery(latitude=10.0, longitude=20.0, limit=50)),
        {"query": "matchall", "filterQuery": ANY, "size": 50, "facet": FACETS,
         "sort": "distance asc", "expr": ANY},
    ),
    (
        "car offices at an airport, by name",
        lambda e: e.car_offices(airport_code="cdg"),
        {"query": "matchall", "filterQuery": "(and kind:'car_office' code:'CDG')",
         "sort": "name asc", "size": 100},
    ),
    (
        "flight legs from anywhere into one airport",
        lambda e: e.flight_legs(LegQuery(departs_from=UTC_DAY[0], departs_until=UTC_DAY[1],
                                         destination="SIN")),
        {"query": "matchall",
         "filterQuery": f"(and kind:'flight_leg' {DAY_RANGE} destination:'SIN')",
         "cursor": "initial", "size": 10000, "return": "_no_fields"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "expected"), [case[1:] for case in QUERY_TABLE], ids=[case[0] for case in QUERY_TABLE]
)
def test_each_read_sends_exactly_this_request(stubbed, call, expected):
    engine, search, _ = stubbed
    search.add_response("search", page(), {"queryParser": "structured", "return": ANY, **expected})

    assert not call(engine)


def test_search_backend_setting_selects_cloudsearch_with_the_domains_endpoints(settings):
    from search.engines import get_engine
    from search.engines.local import LocalEngine

    settings.SEARCH_BACKEND = "cloudsearch"
    settings.CLOUDSEARCH_SEARCH_ENDPOINT = (
        "https://search-tg-abc.eu-west-1.cloudsearch.amazonaws.com"
    )
    settings.CLOUDSEARCH_DOCUMENT_ENDPOINT = (
        "https://doc-tg-abc.eu-west-1.cloudsearch.amazonaws.com"
    )
    settings.AWS_REGION = "eu-west-1"

    engine = get_engine()

    assert isinstance(engine, CloudSearchEngine)
    assert engine.search_client.meta.endpoint_url == settings.CLOUDSEARCH_SEARCH_ENDPOINT
    assert engine.document_client.meta.endpoint_url == settings.CLOUDSEARCH_DOCUMENT_ENDPOINT
    assert engine.search_client.meta.service_model.service_name == "cloudsearchdomain"
    settings.SEARCH_BACKEND = "local"
    assert isinstance(get_engine(), LocalEngine)


def test_an_unknown_search_backend_is_refused_by_name(settings):
    from search.engines import get_engine

    settings.SEARCH_BACKEND = "elastic"

    with pytest.raises(LookupError, match="unknown SEARCH_BACKEND 'elastic'"):
        get_engine()
