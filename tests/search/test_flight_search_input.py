"""Bad flight-search input is a 400 problem naming the field; never a 500."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.apis.common import horizon_end, today_anywhere
from tests.factories.catalog import AirportFactory
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/flights/search"
DAY = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()


@pytest.fixture(autouse=True)
def places() -> None:
    AirportFactory.create(iata="ORG", timezone="UTC")
    AirportFactory.create(iata="DST", timezone="UTC")


def _valid(**changes: str | None) -> dict[str, str]:
    params = {"origin": "ORG", "destination": "DST", "date": DAY}
    params.update(changes)  # type: ignore[arg-type]
    return {key: value for key, value in params.items() if value is not None}


BAD_INPUTS = [
    ("missing origin", _valid(origin=None), "origin"),
    ("missing destination", _valid(destination=None), "destination"),
    ("missing date", _valid(date=None), "date"),
    ("unknown origin code", _valid(origin="QQQ"), "origin"),
    ("unknown destination code", _valid(destination="qqq"), "destination"),
    ("2-letter code", _valid(origin="OR"), "origin"),
    ("4-letter code", _valid(destination="DSTX"), "destination"),
    ("digits in a code", _valid(origin="0R6"), "origin"),
    ("same origin and destination", _valid(destination="org"), "destination"),
    ("date in the past", _valid(date=(today_anywhere() - timedelta(days=1)).isoformat()), "date"),
    (
        "date beyond the horizon",
        _valid(date=(horizon_end(today_anywhere()) + timedelta(days=2)).isoformat()),
        "date",
    ),
    ("malformed date", _valid(date="2026-02-30"), "date"),
    ("date that is not one", _valid(date="tomorrow"), "date"),
    (
        "return before date",
        _valid(return_date=(datetime.now(UTC).date() + timedelta(days=9)).isoformat()),
        "return_date",
    ),
    ("malformed return date", _valid(return_date="31/12/2026"), "return_date"),
    ("0 passengers", _valid(passengers="0"), "passengers"),
    ("10 passengers", _valid(passengers="10"), "passengers"),
    ("0 adults", _valid(adults="0"), "adults"),
    ("10 seats with children", _valid(adults="5", children="5"), "children"),
    ("negative children", _valid(children="-1"), "children"),
    ("more infants than adults", _valid(adults="1", infants="2"), "infants"),
    ("10 passengers with a lap infant", _valid(adults="5", children="4", infants="1"), "infants"),
    ("10 passengers, 5 of them infants", _valid(adults="5", infants="5"), "infants"),
    ("passengers and adults both given", _valid(passengers="2", adults="2"), "passengers"),
    ("passengers not a number", _valid(passengers="two"), "passengers"),
    ("bad cabin", _valid(cabin="cargo"), "cabin"),
    ("bad sort", _valid(sort="cheapest"), "sort"),
    ("max_stops 2", _valid(max_stops="2"), "max_stops"),
    ("max_stops negative", _valid(max_stops="-1"), "max_stops"),
    ("page 0", _valid(page="0"), "page"),
    ("page_size 1000", _valid(page_size="1000"), "page_size"),
    ("overlong origin", _valid(origin="A" * 1000), "origin"),
    ("overlong date", _valid(date="9" * 1000), "date"),
    ("overlong passengers", _valid(passengers="9" * 1000), "passengers"),
    ("overlong cabin", _valid(cabin="x" * 1000), "cabin"),
    ("overlong sort", _valid(sort="p" * 1000), "sort"),
    ("non-ASCII code", _valid(origin="ÖRG"), "origin"),
    ("non-ASCII garbage", _valid(destination="☃💥\u202e"), "destination"),
    ("non-ASCII digits", _valid(passengers="٣٣"), "passengers"),
    ("NUL byte in a code", _valid(origin="OR\x00"), "origin"),
    ("NUL byte in a date", _valid(date=DAY + "\x00"), "date"),
    ("NUL byte in the cabin", _valid(cabin="economy\x00"), "cabin"),
]


@pytest.mark.parametrize(("params", "field"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])  # fmt: skip
def test_bad_input_is_a_400_problem_naming_the_field(api_client, params, field):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert field in body["errors"]
    assert body["status"] == 400
    assert "results" not in body


def test_an_unknown_code_names_both_fields_when_both_are_unknown(api_client):
    response = api_client.get(URL, _valid(origin="QQQ", destination="ZZZ"))

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"origin", "destination"}
    assert response.json()["code"] == "invalid-input"


def test_an_inactive_airport_is_unknown(api_client):
    AirportFactory.create(iata="OLD", is_active=False)

    response = api_client.get(URL, _valid(destination="OLD"))

    assert_problem(response, 400, "invalid-input")
    assert list(response.json()["errors"]) == ["destination"]


def test_codes_are_case_insensitive_and_defaults_are_applied(api_client):
    response = api_client.get(URL, _valid(origin="org", destination="Dst"))

    assert response.status_code == 200
    assert response.json()["search"] == {
        "origin": "ORG",
        "destination": "DST",
        "date": DAY,
        "return_date": None,
        "cabin": "economy",
        "passengers": {"adults": 1, "children": 0, "infants": 0},
        "max_stops": 1,
        "sort": "price",
    }


def test_nine_passengers_and_the_last_horizon_day_are_accepted(api_client):
    last = horizon_end(today_anywhere()).isoformat()

    response = api_client.get(URL, _valid(date=last, adults="4", children="2", infants="3"))

    assert response.status_code == 200
    assert response.json()["search"]["passengers"] == {"adults": 4, "children": 2, "infants": 3}


@given(
    adults=st.integers(min_value=1, max_value=9),
    children=st.integers(min_value=0, max_value=9),
    infants=st.integers(min_value=0, max_value=9),
)
def test_a_party_is_accepted_iff_1_to_9_passengers_with_an_adult_per_infant(
    api_client, adults, children, infants
):
    response = api_client.get(
        URL, _valid(adults=str(adults), children=str(children), infants=str(infants))
    )

    valid = adults + children + infants <= 9 and infants <= adults
    assert response.status_code == (200 if valid else 400), response.json()
    if not valid:
        assert set(response.json()["errors"]) <= {"children", "infants"}


def test_a_page_past_the_end_is_a_404_problem(api_client):
    response = api_client.get(URL, _valid(page="2"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "origin",
                "destination",
                "date",
                "return_date",
                "passengers",
                "adults",
                "children",
                "infants",
                "cabin",
                "max_stops",
                "sort",
                "page",
                "page_size",
            ]
        ),  # fmt: skip
        st.text(max_size=40),
    )
)
def test_any_query_string_is_answered_with_results_or_a_4xx_problem_never_a_500(api_client, params):
    response = api_client.get(URL, params)

    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"]
