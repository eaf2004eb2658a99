"""load_demo_data: a real-looking catalog a newcomer can search right away."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Min
from django.utils import timezone

from accounts.roles import ROLES
from catalog.models import (
    Airline,
    Airport,
    CarDay,
    City,
    FlightFare,
    FlightLeg,
    Hotel,
    RentalCar,
    RoomNight,
)
from demo import reference
from demo.common import rng_for
from demo.flights import build_routes, load_flights, minutes_for
from demo.hotels import build_hotels, night_factor
from demo.loader import load_demo, wipe_catalog
from demo.users import DEFAULT_PASSWORD, DEMO_EMAILS, STAFF_EMAIL, TRAVELER_EMAIL
from search.apis.common import today_anywhere

DAYS = 3
NAMED = [
    "JFK", "LHR", "CDG", "SFO", "NRT", "HND", "SIN", "DXB", "SYD", "FRA",
    "AMS", "LAX", "ORD", "ATL", "HKG", "ICN", "MAD", "BCN", "FCO", "IST",
]  # fmt: skip
ANCHORS = [("JFK", "LHR"), ("SFO", "NRT"), ("CDG", "SIN")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One small load shared by the read-only tests of this module, removed afterwards."""
    with django_db_blocker.unblock():
        start = timezone.now().date()
        report = load_demo(days=DAYS, progress=False, start=start)
        yield report, start
        wipe_catalog()
        get_user_model().objects.filter(email__in=DEMO_EMAILS).delete()
        Group.objects.filter(name__in=ROLES).delete()


pytestmark = pytest.mark.django_db


def test_the_busiest_airports_are_there_with_their_rank(demo):
    ranks = dict(Airport.objects.values_list("iata", "traffic_rank"))

    assert len(ranks) >= 60
    assert set(NAMED) <= set(ranks)
    assert ranks["ATL"] == 1
    assert all(rank is not None for rank in ranks.values())


@pytest.mark.parametrize(
    ("iata", "city", "country", "zone"),
    [
        ("JFK", "New York City", "US", "America/New_York"),
        ("EWR", "New York City", "US", "America/New_York"),
        ("LHR", "London", "GB", "Europe/London"),
        ("LGW", "London", "GB", "Europe/London"),
        ("NRT", "Tokyo", "JP", "Asia/Tokyo"),
        ("HND", "Tokyo", "JP", "Asia/Tokyo"),
        ("CDG", "Paris", "FR", "Europe/Paris"),
        ("SFO", "San Francisco", "US", "America/Los_Angeles"),
        ("IST", "Istanbul", "TR", "Europe/Istanbul"),
        ("GRU", "São Paulo", "BR", "America/Sao_Paulo"),
    ],
)
def test_airports_serve_the_city_travelers_mean(demo, iata, city, country, zone):
    airport = Airport.objects.select_related("city").get(iata=iata)

    assert (airport.city.name, airport.city.country_code) == (city, country)
    assert airport.timezone == zone
    assert airport.icao  # real reference data, not invented


def test_hotels_in_at_least_50_cities_priced_in_local_money(demo):
    assert City.objects.filter(hotels__isnull=False).distinct().count() >= 50
    currencies = {
        name: set(Hotel.objects.filter(city__name=name).values_list("currency", flat=True))
        for name in ("Paris", "London", "Tokyo", "New York City")
    }
    assert currencies == {
        "Paris": {"EUR"},
        "London": {"GBP"},
        "Tokyo": {"JPY"},
        "New York City": {"USD"},
    }
    yen = RoomNight.objects.filter(room_type__hotel__city__name="Tokyo").values_list(
        "price", flat=True
    )
    assert all(price == price.to_integral_value() for price in yen)  # no fractional yen


def test_hotels_lie_near_their_city_centre(demo):
    from demo.places import distance_km

    for hotel in Hotel.objects.select_related("city"):
        km = distance_km(hotel.latitude, hotel.longitude, hotel.city.latitude, hotel.city.longitude)
        assert km < 12, hotel


def test_anchor_routes_fly_direct_every_day_both_ways(demo):
    _, start = demo
    for a, b in ANCHORS:
        for origin, destination in ((a, b), (b, a)):
            days = {
                d.date()
                for d in FlightLeg.objects.filter(
                    origin__iata=origin, destination__iata=destination
                ).values_list("departure_at", flat=True)
            }
            # Every UTC day of the load (local evenings may fall on the next UTC day).
            assert {start + timedelta(days=i) for i in range(DAYS - 1)} <= days, (origin, days)


# The anchor pairs and the hubs of the routes that connect them.
ANCHOR_NETWORK = ("JFK", "LHR", "SFO", "NRT", "CDG", "SIN", "DUB", "ICN", "DXB", "BOS")


def test_anchor_pairs_have_options_every_day_of_120_both_ways(demo):
    """Every local day of a 120-day load offers JFK-LHR, SFO-NRT and CDG-SIN, each way.

    The anchor network alone is loaded for 120 days (after the module's 3), then searched
    day by day through the same selector the API uses, economy, one adult, up to one stop.
    """
    from search.selectors.flights import Party, flight_offers_list

    _, start = demo
    first = start + timedelta(days=DAYS)
    airports = {a.iata: a for a in Airport.objects.filter(iata__in=ANCHOR_NETWORK)}
    airlines = {a.iata: a for a in Airline.objects.all()}
    load_flights(airports=airports, airlines=airlines, start=first, days=120, scale=1, seed=42,
                 progress=lambda n: None)  # fmt: skip
    long_ago = timezone.now() - timedelta(days=365)

    empty = []
    for a, b in ANCHORS:
        for origin, destination in ((a, b), (b, a)):
            for i in range(120):
                day = first + timedelta(days=i)
                offers = flight_offers_list(
                    origin=origin, destination=destination, day=day, party=Party(adults=1),
                    cabin="economy", max_stops=1, now=long_ago,
                )  # fmt: skip
                if not offers:
                    empty.append((origin, destination, day))
    assert empty == []


def test_anchor_routes_are_in_every_network_at_every_scale(demo):
    airports = {a.iata: a for a in Airport.objects.order_by("traffic_rank")}
    for scale in (1, 3, 10):
        for seed in (1, 42, 2024):
            routes = build_routes(airports, scale, rng_for(seed, "flights"))
            direct = {(r.origin, r.destination) for r in routes if r.departures}
            for a, b in ANCHORS:
                assert {(a, b), (b, a)} <= direct, (scale, seed, a, b)


def test_scale_10_gives_about_ten_times_the_hotels_and_flights(demo):
    airports = {a.iata: a for a in Airport.objects.order_by("traffic_rank")}
    cities = list(City.objects.all())

    def daily_legs(scale: int) -> int:
        routes = build_routes(airports, scale, rng_for(42, "flights"))
        return sum(len(r.departures) for r in routes)

    def hotels(scale: int) -> int:
        return len(build_hotels(cities, scale, rng_for(42, "hotels")))

    assert hotels(10) == 10 * hotels(1) == 10 * Hotel.objects.count()
    assert daily_legs(1) * DAYS == FlightLeg.objects.count()
    assert 8 <= daily_legs(10) / daily_legs(1) <= 12


def test_leg_durations_follow_great_circle_distance(demo):
    jfk_lhr = FlightLeg.objects.filter(origin__iata="JFK", destination__iata="LHR").first()
    assert timedelta(hours=6) <= jfk_lhr.arrival_at - jfk_lhr.departure_at <= timedelta(hours=8.5)
    for leg in FlightLeg.objects.all()[:500]:
        assert leg.duration_minutes == minutes_for(leg.distance_km), leg


def test_fares_are_usd_per_cabin_with_real_inventory(demo):
    fares = FlightFare.objects.select_related("leg__airline")
    assert set(fares.values_list("currency", flat=True)) == {"USD"}
    assert fares.filter(seats_available=0).exists()  # some cabins are sold out
    assert fares.filter(seats_available__lt=F("seats_total")).exists()  # some seats sold
    first = fares.filter(cabin="first").values_list("leg__airline__iata", flat=True)
    assert set(first) <= reference.FIRST_CLASS
    long_haul = FlightLeg.objects.filter(distance_km__gte=5000).annotate(n=Count("fares"))
    assert long_haul.exists()
    assert all(leg.n >= 3 for leg in long_haul)
    business = fares.filter(cabin="business", leg__distance_km__gte=5000).first()
    economy = fares.get(leg=business.leg, cabin="economy")
    assert business.price > 2 * economy.price
    assert business.refundable
    assert not economy.refundable


def test_airlines_have_real_hubs(demo):
    hubs = {a.iata: {h.iata for h in a.hubs.all()} for a in Airline.objects.all()}
    assert hubs["BA"] == {"LHR", "LGW"}
    assert hubs["SQ"] == {"SIN"}
    assert "ATL" in hubs["DL"]


def test_small_hotels_sell_out(demo):
    small = RoomNight.objects.filter(rooms_total__lte=5)
    assert small.exists()
    assert set(small.values_list("rooms_total", flat=True)) == {1, 2, 3, 4, 5}
    small_hotels = Hotel.objects.filter(room_types__nights__rooms_total__lte=5).distinct()
    assert small_hotels.count() >= 20
    assert small.filter(rooms_available=0).exists()
    assert RoomNight.objects.filter(rooms_total__gte=6).exists()


def test_hotel_prices_follow_weekday_and_season():
    thursday, friday = date(2027, 5, 13), date(2027, 5, 14)
    assert night_factor(friday, 48.8) > night_factor(thursday, 48.8)
    assert night_factor(date(2027, 7, 14), 48.8) > night_factor(date(2027, 11, 10), 48.8)
    # Sydney's summer is Paris's winter.
    assert night_factor(date(2027, 1, 13), -33.9) > night_factor(date(2027, 7, 14), -33.9)


def test_room_prices_vary_from_night_to_night(demo):
    varied = (
        RoomNight.objects.values("room_type")
        .annotate(low=Min("price"))
        .filter(price__gt=0)
        .values_list("room_type", flat=True)
    )
    prices = {}
    for room_type_id, price in RoomNight.objects.filter(
        room_type__in=list(varied)[:50]
    ).values_list("room_type", "price"):
        prices.setdefault(room_type_id, set()).add(price)
    assert any(len(p) > 1 for p in prices.values())


def test_cars_at_every_airport_every_day(demo):
    offices = Airport.objects.annotate(n=Count("rental_offices"))
    assert all(a.n >= 2 for a in offices), [a.iata for a in offices if a.n < 2]
    days_per_car = RentalCar.objects.annotate(n=Count("days")).values_list("n", flat=True)
    assert set(days_per_car) == {DAYS}
    assert CarDay.objects.filter(cars_available=0).exists()
    london = RentalCar.objects.filter(office__airport__iata="LHR").first()
    assert london.office.currency == "GBP"


def test_demo_users_can_log_in(demo):
    User = get_user_model()
    staff = User.objects.get(email=STAFF_EMAIL)
    traveler = User.objects.get(email=TRAVELER_EMAIL)

    assert staff.is_staff
    assert not staff.is_superuser  # the Admin role: tests/catalog/test_demo_staff.py
    assert not traveler.is_staff
    assert staff.check_password(DEFAULT_PASSWORD)
    assert traveler.check_password(DEFAULT_PASSWORD)


def test_flight_search_answers_on_demo_data(api_client, demo):
    _, start = demo
    day = max(start, today_anywhere()) + timedelta(days=1)

    direct = api_client.get(
        "/api/flights/search", {"origin": "JFK", "destination": "LHR", "date": day}
    ).json()
    assert direct["count"] > 0
    assert any(offer["outbound"]["stops"] == 0 for offer in direct["results"])

    found_connection = False
    for origin, destination in ANCHORS:
        body = api_client.get(
            "/api/flights/search",
            {"origin": origin, "destination": destination, "date": day, "max_stops": 1},
        ).json()
        found_connection |= any(offer["outbound"]["stops"] == 1 for offer in body["results"])
    assert found_connection


def _digest() -> str:
    h = hashlib.sha256()
    for row in FlightLeg.objects.order_by("flight_number", "departure_at").values_list(
        "flight_number", "origin__iata", "destination__iata", "departure_at"
    ):
        h.update(repr(row).encode())
    for row in FlightFare.objects.order_by("leg__flight_number", "leg__departure_at", "cabin"):
        h.update(f"{row.price}{row.seats_available}".encode())
    for row in RoomNight.objects.order_by(
        "room_type__hotel__name", "room_type__hotel__city__name", "room_type__name", "date"
    ).values_list("room_type__hotel__name", "price", "rooms_available"):
        h.update(repr(row).encode())
    for row in CarDay.objects.order_by("car__office__name", "car__car_class", "car__transmission",
                                       "date").values_list("price", "cars_available"):  # fmt: skip
        h.update(repr(row).encode())
    return h.hexdigest()


def test_the_same_seed_gives_the_same_catalog(demo):
    _, start = demo
    digests = []
    for seed in (42, 42, 7):
        wipe_catalog()
        load_demo(seed=seed, days=1, start=start, progress=False)
        digests.append(_digest())

    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_if_empty_leaves_a_loaded_catalog_alone(demo):
    before = FlightLeg.objects.count()
    out = StringIO()

    call_command("load_demo_data", "--if-empty", stdout=out)

    assert "already loaded" in out.getvalue()
    assert FlightLeg.objects.count() == before


def test_refuses_to_load_over_a_catalog_without_a_flag(demo):
    with pytest.raises(CommandError, match="--replace"):
        call_command("load_demo_data", stdout=StringIO())


def test_replace_reloads(demo):
    out = StringIO()

    call_command("load_demo_data", "--replace", "--days", "1", "--no-progress", stdout=out)

    assert "total rows" in out.getvalue()
    assert RoomNight.objects.values("date").distinct().count() == 1


@pytest.mark.parametrize("args", [["--days", "0"], ["--days", "331"], ["--scale", "0"]])
def test_bad_options_are_refused(args):
    with pytest.raises(CommandError):
        call_command("load_demo_data", *args, stdout=StringIO())


def test_demo_password_comes_from_the_environment(db, monkeypatch):
    from demo.users import ensure_demo_users

    monkeypatch.setenv("DEMO_PASSWORD", "s3cret-from-env")
    get_user_model().objects.filter(email__in=DEMO_EMAILS).delete()

    ensure_demo_users()

    assert get_user_model().objects.get(email=STAFF_EMAIL).check_password("s3cret-from-env")


def test_banner_says_where_everything_is(db):
    out = StringIO()

    call_command("demo_banner", "--port", "9123", stdout=out)

    text = out.getvalue()
    assert "http://127.0.0.1:9123/admin/" in text
    assert "http://127.0.0.1:9123/api/docs/" in text
    assert STAFF_EMAIL in text
    assert DEFAULT_PASSWORD in text


def test_the_largest_scale_still_names_every_hotel_apart():
    # more hotels in one city than the name patterns can tell apart
    city = City(name="Paris", country_code="FR", latitude=48.85, longitude=2.35,
                population=2_000_000, currency="EUR")  # fmt: skip

    built = build_hotels([city], 100, rng_for(42, "hotels"))

    names = [hotel.name for hotel, _, _ in built]
    assert len(names) == 600
    assert len(set(names)) == 600


def test_the_loader_shows_a_progress_bar_on_a_terminal_only_when_asked(monkeypatch):
    import io

    from demo.loader import _bar

    screen = io.StringIO()
    screen.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", screen)

    with _bar("flights", True) as bar:
        bar.update(1500)
    shown = screen.getvalue()
    with _bar("hotels", False) as bar:  # --no-progress
        bar.update(10)

    assert "flights" in shown
    assert "1.50k rows" in shown
    assert screen.getvalue() == shown
