"""GET /api/flights/search: itineraries between two airports on a day, each an offer;
GET /api/flights/multi-city: a trip of several flights (slices), each combination an offer;
GET /api/flights/calendar: the lowest price per day around a day, for a flexible traveler."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.hooks import search_recorded
from catalog.models import Cabin
from reviews.selectors import airline_ratings_by_code
from search.apis.common import (
    PageAnswer,
    PublicCacheMixin,
    TravelDateField,
    cached_page,
    index_freshness,
    page_answer,
)
from search.limits import MAX_SEATS, party_errors
from search.offers import offer_encode
from search.selectors.flights import (
    MAX_STOPS,
    SORTS,
    FlightResult,
    Itinerary,
    LegFare,
    Party,
    Place,
    flight_offers_list,
)
from travelguru.serializers import (
    MoneySerializer,
    local_isoformat,
    page_fields,
    parse_query,
    problem_responses,
)


class IataCodeField(serializers.CharField):
    """Three ASCII letters, any case; answered upper-case."""

    default_error_messages = {"iata": "Enter a 3-letter IATA airport code, e.g. JFK."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data)
        if not (code.isascii() and code.isalpha()):
            self.fail("iata")
        return code.upper()


class _AirportSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="IATA code")
    name = serializers.CharField()
    city = serializers.CharField()
    country_code = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA time zone, e.g. America/New_York")

    class Meta:
        ref_name = "FlightAirport"


class _AirlineSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="IATA code")
    name = serializers.CharField()

    class Meta:
        ref_name = "FlightAirline"


class _LegSerializer(serializers.Serializer):
    flight_number = serializers.CharField()
    airline = _AirlineSerializer()
    origin = _AirportSerializer()
    destination = _AirportSerializer()
    departure = serializers.CharField(help_text="Local ISO 8601 time with offset at the origin")
    arrival = serializers.CharField(help_text="Local ISO 8601 time with offset at the destination")
    duration_minutes = serializers.IntegerField()
    aircraft = serializers.CharField()
    distance_km = serializers.IntegerField()

    class Meta:
        ref_name = "FlightLeg"


class _ConnectionSerializer(serializers.Serializer):
    airport = serializers.CharField(help_text="IATA code of the airport where the legs connect")
    minutes = serializers.IntegerField(help_text="Time on the ground")

    class Meta:
        ref_name = "FlightConnection"


class _ItinerarySerializer(serializers.Serializer):
    origin = _AirportSerializer()
    destination = _AirportSerializer()
    departure = serializers.CharField(help_text="Local ISO 8601 time with offset")
    arrival = serializers.CharField(help_text="Local ISO 8601 time with offset")
    duration_minutes = serializers.IntegerField()
    stops = serializers.IntegerField()
    legs = _LegSerializer(many=True)
    connections = _ConnectionSerializer(many=True)

    class Meta:
        ref_name = "FlightItinerary"


class _PassengersSerializer(serializers.Serializer):
    adults = serializers.IntegerField()
    children = serializers.IntegerField()
    infants = serializers.IntegerField()

    class Meta:
        ref_name = "FlightPassengers"


class _BaggageSerializer(serializers.Serializer):
    checked_bags = serializers.IntegerField(help_text="Included on every leg")
    cabin_bags = serializers.IntegerField(help_text="Included on every leg")

    class Meta:
        ref_name = "FlightBaggage"


class _FareRulesSerializer(serializers.Serializer):
    refundable = serializers.BooleanField(help_text="Every leg is refundable")
    change_fee = MoneySerializer(
        allow_null=True, help_text="Summed change fees; null when a leg cannot be changed"
    )

    class Meta:
        ref_name = "FlightFareRules"


class FlightOfferFields(serializers.Serializer):
    """What every flight offer answers besides its itineraries (one way, round trip or
    multi-city)."""

    # The fields document the schema; `to_representation` builds the same dict directly
    # because this runs for every offer of the page on the hot path.

    offer_id = serializers.CharField(help_text="Opaque, signed; give it to POST /api/holds")
    kind = serializers.CharField(help_text='Always "flight"')
    price = MoneySerializer(help_text="Total for every passenger and every leg")
    price_per_adult = MoneySerializer(help_text="One adult's fare over every leg")
    available = serializers.IntegerField(help_text="Seats left on the fullest leg")
    cabin = serializers.ChoiceField(choices=Cabin.choices)
    passengers = _PassengersSerializer()
    baggage = _BaggageSerializer()
    fare_rules = _FareRulesSerializer()

    def to_representation(self, instance: FlightResult) -> dict[str, Any]:
        return _offer_json(instance, self._trip_json(instance))

    def _trip_json(self, result: FlightResult) -> dict[str, Any]:
        """The offer's itineraries under their keys (one way and round trip: outbound and
        return; multi-city: slices)."""
        itinerary = self._itinerary_json
        return {
            "outbound": itinerary(result.outbound),
            "return": itinerary(result.inbound) if result.inbound else None,
        }

    def _itinerary_json(self, itinerary: Itinerary) -> dict[str, Any]:
        """One itinerary's JSON, built once per page: the page's offers combine the same few
        itineraries (a round trip's outbound with each return, a multi-city trip's slices),
        and the encoder writes a shared dict as often as it appears."""
        shown = self.context.setdefault("itineraries", {})
        json = shown.get(id(itinerary))
        if json is None:
            json = shown[id(itinerary)] = _itinerary_json(itinerary)
        return json


class _SearchQuerySerializer(serializers.Serializer):
    origin = serializers.CharField()
    destination = serializers.CharField()
    date = serializers.DateField()
    return_date = serializers.DateField(allow_null=True)
    cabin = serializers.ChoiceField(choices=Cabin.choices)
    passengers = _PassengersSerializer()
    max_stops = serializers.IntegerField()
    sort = serializers.ChoiceField(choices=SORTS)

    class Meta:
        ref_name = "FlightSearchQuery"


class FlightPartyInput(serializers.Serializer):
    """Who flies, in which cabin, with how many stops: what every flight query carries
    (checked by `_party_input` with the rules an offer id is held to)."""

    passengers = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_SEATS, help_text="Adults (shorthand)"
    )
    adults = serializers.IntegerField(required=False, min_value=1, max_value=MAX_SEATS)
    children = serializers.IntegerField(
        default=0, min_value=0, max_value=MAX_SEATS, help_text="2-11 years, own seat"
    )
    infants = serializers.IntegerField(
        default=0, min_value=0, max_value=MAX_SEATS, help_text="Under 2, on an adult's lap"
    )
    cabin = serializers.ChoiceField(choices=Cabin.choices, default=Cabin.ECONOMY)
    max_stops = serializers.IntegerField(default=MAX_STOPS, min_value=0, max_value=MAX_STOPS)


class FlightSearchApi(PublicCacheMixin, APIView):
    """Direct and one-stop itineraries for a day (and a return day), each a priced offer."""

    class InputSerializer(FlightPartyInput):
        origin = IataCodeField(help_text="IATA code of the departure airport")
        destination = IataCodeField(help_text="IATA code of the arrival airport")
        date = TravelDateField(help_text="Departure day, local at the origin airport")
        return_date = TravelDateField(
            required=False, help_text="Return day, local at the destination airport"
        )
        sort = serializers.ChoiceField(choices=SORTS, default="price")
        page = serializers.IntegerField(required=False, min_value=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

        class Meta:
            ref_name = "FlightSearchInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            errors: dict[str, str] = {}
            if attrs["origin"] == attrs["destination"]:
                errors["destination"] = "The destination must differ from the origin."
            return_date = attrs.get("return_date")
            if return_date is not None and return_date < attrs["date"]:
                errors["return_date"] = "The return date cannot be before the departure date."
            errors |= _party_input(attrs)
            if errors:
                raise serializers.ValidationError(errors)
            return attrs

    class OutputSerializer(FlightOfferFields):
        """One priced itinerary (or round trip) for the passengers asked."""

        outbound = _ItinerarySerializer()
        return_ = _ItinerarySerializer(allow_null=True, help_text="Null for a one-way search")

        class Meta:
            ref_name = "FlightSearchOffer"

        def get_fields(self) -> dict[str, serializers.Field]:
            # `return` is a Python keyword: declared as `return_`, answered as `return`.
            return {
                ("return" if name == "return_" else name): value
                for name, value in super().get_fields().items()
            }

    @extend_schema(
        operation_id="flights_search",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "FlightSearchPage",
                fields={
                    **page_fields(),
                    "results": OutputSerializer(many=True),
                    "search": _SearchQuerySerializer(help_text="The query as understood"),
                    "airline_ratings": serializers.DictField(
                        child=serializers.DictField(),
                        help_text='IATA code -> {"airline_id", "average", "count", "distribution", '
                        '"sub_scores"} (rated airlines only)',
                    ),
                    "indexed_at": serializers.DateTimeField(
                        allow_null=True,
                        help_text="When the search index (candidate legs) was last refreshed",
                    ),
                },
            ),
            **problem_responses(400),
        },
    )
    @search_recorded("flight")
    def get(self, request: Request) -> Response:
        query = parse_query(self.InputSerializer, request)
        return cached_page(
            request=request, kind="flight", query=query, answer=lambda: self._answer(request, query)
        )

    def _answer(self, request: Request, query: dict[str, Any]) -> tuple[PageAnswer, float | None]:
        now = timezone.now()
        party = flight_party(query)
        results = flight_offers_list(
            origin=query["origin"],
            destination=query["destination"],
            day=query["date"],
            return_day=query.get("return_date"),
            party=party,
            cabin=query["cabin"],
            max_stops=query["max_stops"],
            sort=query["sort"],
            now=now,
        )
        return_date = query.get("return_date")
        asked = {
            "origin": query["origin"],
            "destination": query["destination"],
            "date": query["date"].isoformat(),
            "return_date": return_date.isoformat() if return_date else None,
        }
        return flight_page_answer(self, request, self.OutputSerializer, query=query, party=party,
                                  asked=asked, results=results, now=now)  # fmt: skip


def _airline_codes(results: list[FlightResult]) -> set[str]:
    # Offers share itineraries (a multi-city trip's hundreds of combinations are made of a
    # few per slice): each itinerary's legs are looked at once.
    itineraries = {id(i): i for result in results for i in result.slices}
    return {leg.airline_code for i in itineraries.values() for leg in i.legs}


def _true_for(results: list[FlightResult], *, now: datetime) -> float | None:
    """Departed flights are never offered: an answer holds until its first flight leaves."""
    first = min((r.outbound.departure_at for r in results), default=None)
    return None if first is None else (first - now).total_seconds()


def _party_input(attrs: dict[str, Any]) -> dict[str, str]:
    """`passengers` (adults, shorthand) or `adults`, checked with the party's rules; the
    errors, keyed by field."""
    errors: dict[str, str] = {}
    if "passengers" in attrs and "adults" in attrs:
        errors["passengers"] = "Give either passengers or adults, not both."
    adults = attrs.pop("passengers", None) or attrs.get("adults") or 1
    attrs["adults"] = adults
    # The rules a flight offer id is held to as well (search.limits).
    return errors | party_errors(
        adults=adults, children=attrs["children"], infants=attrs["infants"]
    )


def flight_party(query: dict[str, Any]) -> Party:
    """Who flies, from a flight query as its `FlightPartyInput` understood it."""
    return Party(adults=query["adults"], children=query["children"], infants=query["infants"])


def flight_page_answer(
    view: APIView,
    request: Request,
    serializer_class: type[serializers.Serializer],
    *,
    query: dict[str, Any],
    party: Party,
    asked: dict[str, Any],
    results: list[FlightResult],
    now: datetime,
) -> tuple[PageAnswer, float | None]:
    """A page of flight offers as every flight search answers it: the query as understood
    (`asked`, where and when, then what every flight query carries), the rated airlines
    of the offers, the index's freshness; and how long the answer holds."""
    answer = page_answer(
        view=view,
        request=request,
        items=results,
        serializer_class=serializer_class,
        extra={
            "search": {
                **asked,
                "cabin": query["cabin"],
                "passengers": _passengers_json(party),
                "max_stops": query["max_stops"],
                "sort": query["sort"],
            },
            "airline_ratings": airline_ratings_by_code(codes=_airline_codes(results)),
            **index_freshness(),
        },
    )
    return answer, _true_for(results, now=now)


def _passengers_json(party: Party) -> dict[str, int]:
    return {"adults": party.adults, "children": party.children, "infants": party.infants}


def _airport_json(place: Place) -> dict[str, str]:
    return {
        "code": place.code,
        "name": place.name,
        "city": place.city,
        "country_code": place.country_code,
        "timezone": place.timezone,
    }


def _leg_json(leg: LegFare) -> dict[str, Any]:
    return {
        "flight_number": leg.flight_number,
        "airline": {"code": leg.airline_code, "name": leg.airline_name},
        "origin": _airport_json(leg.origin),
        "destination": _airport_json(leg.destination),
        "departure": local_isoformat(leg.departure_at, leg.origin.timezone),
        "arrival": local_isoformat(leg.arrival_at, leg.destination.timezone),
        "duration_minutes": leg.duration_minutes,
        "aircraft": leg.aircraft,
        "distance_km": leg.distance_km,
    }


def _itinerary_json(itinerary: Itinerary) -> dict[str, Any]:
    return {
        "origin": _airport_json(itinerary.origin),
        "destination": _airport_json(itinerary.destination),
        "departure": local_isoformat(itinerary.departure_at, itinerary.origin.timezone),
        "arrival": local_isoformat(itinerary.arrival_at, itinerary.destination.timezone),
        "duration_minutes": itinerary.duration_minutes,
        "stops": itinerary.stops,
        "legs": [_leg_json(leg) for leg in itinerary.legs],
        "connections": [
            {"airport": place.code, "minutes": minutes} for place, minutes in itinerary.connections
        ],
    }


def _offer_json(result: FlightResult, trip_json: dict[str, Any]) -> dict[str, Any]:
    offer = result.offer()
    change_fee = result.change_fee
    return {
        "offer_id": offer_encode(offer),
        "kind": "flight",
        "price": offer.price.as_json(),
        "price_per_adult": result.price_per_adult.as_json(),
        "available": result.available,
        "cabin": result.cabin,
        "passengers": _passengers_json(result.party),
        **trip_json,
        "baggage": {"checked_bags": result.checked_bags, "cabin_bags": result.cabin_bags},
        "fare_rules": {
            "refundable": result.refundable,
            "change_fee": change_fee.as_json() if change_fee else None,
        },
    }
