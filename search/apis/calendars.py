"""GET /api/flights/calendar and /api/hotels/calendar: the lowest price per day, for a
traveler whose dates can move (the app's strip of days above the results)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from search.apis.common import PublicCacheMixin, TravelDateField, horizon_end, today_anywhere
from search.apis.flights import (
    FlightPartyInput,
    IataCodeField,
    _party_input,
    _passengers_json,
    flight_party,
)
from search.apis.hotels import StayInputSerializer
from search.selectors.calendars import CalendarDay, flight_calendar, hotel_calendar
from search.selectors.hotels import city_resolve
from travelguru.serializers import MoneySerializer, parse_query, problem_responses


class _DaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A local date: departure at the origin, check-in")
    price = MoneySerializer(allow_null=True, help_text="The lowest; null when none is sold")

    class Meta:
        ref_name = "CalendarDay"


def _calendar_response(
    *,
    kind: str,
    query: dict[str, Any],
    compute: Callable[[], list[CalendarDay]],
    search: dict[str, Any],
) -> Response:
    """The days from the search answers' cache (same versions as the searches of `kind`:
    a price change shows at once), or computed."""
    from travelguru import results_cache as cache

    key: Hashable = ("calendar", tuple(sorted((k, str(v)) for k, v in query.items())))

    def answer() -> tuple[list[dict[str, Any]], None]:
        days = compute()
        return [
            {"date": d.day.isoformat(), "price": d.price.as_json() if d.price else None}
            for d in days
        ], None

    days, _ = cache.cached(kind, key, answer)
    return Response({"days": days, "search": search})


class FlightCalendarApi(PublicCacheMixin, APIView):
    """The lowest one-way price per day, three days either side of the day asked."""

    class InputSerializer(FlightPartyInput):
        origin = IataCodeField(help_text="IATA code of the departure airport")
        destination = IataCodeField(help_text="IATA code of the arrival airport")
        date = TravelDateField(help_text="The day asked, local at the origin airport")

        class Meta:
            ref_name = "FlightCalendarInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            errors = _party_input(attrs)
            if attrs["origin"] == attrs["destination"]:
                errors["destination"] = "The destination must differ from the origin."
            if errors:
                raise serializers.ValidationError(errors)
            return attrs

    @extend_schema(
        operation_id="flights_calendar",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "FlightCalendar",
                fields={
                    "days": _DaySerializer(many=True, help_text="Up to 7 days, in date order"),
                    "search": serializers.DictField(help_text="The query as understood"),
                },
            ),
            **problem_responses(400),
        },
    )
    def get(self, request: Request) -> Response:
        query = parse_query(self.InputSerializer, request)
        party = flight_party(query)
        return _calendar_response(
            kind="flight",
            query=query,
            compute=lambda: flight_calendar(
                origin=query["origin"],
                destination=query["destination"],
                day=query["date"],
                party=party,
                cabin=query["cabin"],
                max_stops=query["max_stops"],
                now=timezone.now(),
                last_day=horizon_end(today_anywhere()),
            ),  # fmt: skip
            search={
                "origin": query["origin"],
                "destination": query["destination"],
                "date": query["date"].isoformat(),
                "cabin": query["cabin"],
                "passengers": _passengers_json(party),
                "max_stops": query["max_stops"],
            },
        )


class HotelCalendarApi(PublicCacheMixin, APIView):
    """The lowest price of the stay's length per check-in day of the check-in's month."""

    class InputSerializer(StayInputSerializer):
        city = serializers.CharField(
            max_length=100, help_text='A city id, or a name: "Paris", "Paris, FR"'
        )

        class Meta:
            ref_name = "HotelCalendarInput"

    @extend_schema(
        operation_id="hotels_calendar",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "HotelCalendar",
                fields={
                    "days": _DaySerializer(many=True, help_text="Every day of the month"),
                    "search": serializers.DictField(help_text="The query as understood"),
                },
            ),
            **problem_responses(400),
        },
    )
    def get(self, request: Request) -> Response:
        query = parse_query(self.InputSerializer, request)
        nights = (query["check_out"] - query["check_in"]).days
        now = timezone.now()
        city = city_resolve(query["city"])
        return _calendar_response(
            kind="hotel",
            query={**query, "city": city.pk},
            compute=lambda: hotel_calendar(
                city=city,
                month=query["check_in"],
                nights=nights,
                guests=query["guests"],
                rooms=query["rooms"],
                now=now,
            ),  # fmt: skip
            search={
                "city": city.pk,
                "month": query["check_in"].replace(day=1).isoformat(),
                "nights": nights,
                "guests": query["guests"],
                "rooms": query["rooms"],
            },
        )
