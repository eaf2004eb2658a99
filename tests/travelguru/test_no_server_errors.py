"""No input may produce a 500: arbitrary text in every query parameter of every search."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import path
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.response import Response
from rest_framework.views import APIView

from search.apis.common import today_anywhere
from tests.factories.catalog import AirportFactory, CityFactory, HotelFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/airports": ["q", "page", "page_size"],
    "/api/cities": ["q", "page_size"],
    "/api/flights/search": [
        "origin", "destination", "date", "return_date", "passengers", "adults", "children",
        "infants", "cabin", "max_stops", "sort", "page",
    ],
    "/api/hotels/search": [
        "city", "lat", "lon", "radius_km", "check_in", "check_out", "guests", "rooms",
        "min_stars", "amenities", "min_price", "max_price", "q", "sort", "page_size",
    ],
    "/api/cars/search": [
        "location", "office", "pick_up", "drop_off", "car_class", "transmission", "sort",
    ],
    "/api/hotels/1": ["check_in", "check_out", "guests", "rooms"],
}  # fmt: skip

# Valid values (dates inside the inventory horizon), so that the fuzzed parameters reach
# the search itself and not only the date validation.
_D = today_anywhere() + timedelta(days=10)
_D2 = (_D + timedelta(days=2)).isoformat()
VALID = {
    "origin": "CDG", "destination": "JFK", "date": _D.isoformat(), "city": "Paris",
    "check_in": _D.isoformat(), "check_out": _D2, "location": "CDG",
    "pick_up": _D.isoformat(), "drop_off": _D2, "q": "par",
}  # fmt: skip

# Text a browser, a script or an attacker may send: unicode, NUL bytes, huge numbers.
nasty = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "\x00", "NaN", "inf", "-1", "0", "9" * 40, "1e309", "%", "'--",
                     "2026-02-30", "../../etc/passwd", "<script>", "a,b,,", "１２"]),
)  # fmt: skip


@pytest.fixture
def catalog(reindex):
    paris = CityFactory.create(name="Paris")
    AirportFactory.create(iata="CDG", city=paris)
    AirportFactory.create(iata="JFK")
    HotelFactory.create(city=paris)
    reindex()


@pytest.fixture
def reindex():
    from search.services.indexing import sync_index

    return lambda: sync_index(full=True)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@settings(max_examples=40)
@given(data=st.data())
def test_arbitrary_query_text_never_fails_the_server(api_client, catalog, endpoint, data):
    names = ENDPOINTS[endpoint]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    params = {k: v for k, v in VALID.items() if k in names}
    params |= {name: data.draw(nasty) for name in chosen}

    response = api_client.get(endpoint, params)

    assert response.status_code in (200, 400, 404), (params, response.content[:300])
    if response.status_code != 200:
        assert response["Content-Type"] == "application/problem+json"


def test_the_valid_baseline_answers_200(api_client, catalog):
    for endpoint, names in ENDPOINTS.items():
        params = {k: v for k, v in VALID.items() if k in names}
        if endpoint == "/api/hotels/1":
            continue  # the hotel's id is the factory's
        assert api_client.get(endpoint, params).status_code == 200, endpoint


@settings(max_examples=60)
@given(offer_id=nasty)
def test_arbitrary_offer_ids_never_fail_the_server(api_client, offer_id):
    response = api_client.get(f"/api/offers/{quote(offer_id, safe='')}")

    assert response.status_code in (400, 404, 409), (offer_id, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"


class EchoApi(APIView):
    """A JSON-body endpoint for this test's URLconf: POST bodies go through the parsers."""

    def post(self, request):
        return Response({"keys": sorted(request.data)})


urlpatterns = [path("echo", EchoApi.as_view())]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "body", [b"{", b'{"a": }', b"\xff\xfe", b"[1, 2", b'{"a": NaN', b"\x00" * 10]
)
def test_malformed_json_is_a_400_problem(api_client, body):
    response = api_client.generic("POST", "/echo", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400


@pytest.mark.urls(__name__)
def test_an_unsupported_body_type_is_a_415_problem(api_client):
    response = api_client.generic("POST", "/echo", b"<a/>", content_type="application/xml")

    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
