"""GET /api/flights/multi-city: a trip of 2-6 flights (slices), each combination one offer."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.hooks import search_recorded
from catalog.models import Cabin
from search.apis.common import (
    PageAnswer,
    PublicCacheMixin,
    TravelDateField,
    cached_page,
)
from search.apis.flights import (
    FlightOfferFields,
    FlightPartyInput,
    IataCodeField,
    _ItinerarySerializer,
    _party_input,
    _PassengersSerializer,
    flight_page_answer,
    flight_party,
)
from search.limits import MAX_SLICES, slices_errors
from search.selectors.flights import (
    SORTS,
    FlightResult,
    SliceAsked,
    flight_multi_city_offers_list,
)
from travelguru.serializers import page_fields, parse_query, problem_responses


def _slice_parsed(index: int, text: str) -> tuple[SliceAsked | None, dict[str, list[str]]]:
    """`LHR,CDG,2027-05-01` as a slice, or the errors keyed `slices[index].field`."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 3:
        return None, {
            f"slices[{index}]": ["Give origin,destination,date, e.g. LHR,CDG,2027-05-01."]
        }
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    fields: tuple[tuple[str, serializers.Field], ...] = (
        ("origin", IataCodeField()),
        ("destination", IataCodeField()),
        ("date", TravelDateField()),
    )
    for (name, field), part in zip(fields, parts, strict=True):
        try:
            values[name] = field.run_validation(part)
        except serializers.ValidationError as error:
            errors[f"slices[{index}].{name}"] = [str(e) for e in error.detail]
    if errors:
        return None, errors
    return SliceAsked(origin=values["origin"], destination=values["destination"],
                      day=values["date"]), {}  # fmt: skip


class _SliceSerializer(serializers.Serializer):
    origin = serializers.CharField()
    destination = serializers.CharField()
    date = serializers.DateField()

    class Meta:
        ref_name = "FlightSlice"


class _MultiCityQuerySerializer(serializers.Serializer):
    slices = _SliceSerializer(many=True)
    cabin = serializers.ChoiceField(choices=Cabin.choices)
    passengers = _PassengersSerializer()
    max_stops = serializers.IntegerField()
    sort = serializers.ChoiceField(choices=SORTS)

    class Meta:
        ref_name = "FlightMultiCityQuery"


class FlightMultiCitySearchApi(PublicCacheMixin, APIView):
    """Multi-city trips: one itinerary per slice, each combination a priced offer."""

    class InputSerializer(FlightPartyInput):
        slices = serializers.ListField(
            child=serializers.CharField(max_length=40),
            help_text=f"2 to {MAX_SLICES} flights in travel order, each "
            "`origin,destination,date` (IATA codes; the date local at the origin), the "
            "parameter repeated: `slices=LHR,CDG,2027-05-01&slices=CDG,FCO,2027-05-04`",
        )
        sort = serializers.ChoiceField(choices=SORTS, default="price")
        page = serializers.IntegerField(required=False, min_value=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

        class Meta:
            ref_name = "FlightMultiCityInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            errors: dict[str, Any] = dict(_party_input(attrs))
            texts = attrs["slices"]
            if not 2 <= len(texts) <= MAX_SLICES:
                errors["slices"] = f"From 2 to {MAX_SLICES} flights."
                raise serializers.ValidationError(errors)
            slices = []
            for index, text in enumerate(texts):
                parsed, slice_errors = _slice_parsed(index, text)
                errors |= slice_errors
                if parsed is not None:
                    slices.append(parsed)
            if len(slices) == len(texts):
                errors |= slices_errors([(s.origin, s.destination, s.day) for s in slices])
            if errors:
                raise serializers.ValidationError(errors)
            attrs["slices"] = slices
            return attrs

    class OutputSerializer(FlightOfferFields):
        """One priced multi-city trip for the passengers asked."""

        slices = _ItinerarySerializer(many=True, help_text="One itinerary per slice asked")

        class Meta:
            ref_name = "FlightMultiCityOffer"

        def _trip_json(self, result: FlightResult) -> dict[str, Any]:
            return {"slices": [self._itinerary_json(itinerary) for itinerary in result.slices]}

    @extend_schema(
        operation_id="flights_multi_city",
        parameters=[
            InputSerializer,
            OpenApiParameter(
                "slices",
                str,
                many=True,
                explode=True,
                required=True,
                description="`origin,destination,date`, once per flight",
            ),
        ],  # fmt: skip
        responses={
            200: inline_serializer(
                "FlightMultiCityPage",
                fields={
                    **page_fields(),
                    "results": OutputSerializer(many=True),
                    "search": _MultiCityQuerySerializer(help_text="The query as understood"),
                    "airline_ratings": serializers.DictField(
                        child=serializers.DictField(),
                        help_text="As in flights_search (rated airlines only)",
                    ),
                    "indexed_at": serializers.DateTimeField(allow_null=True),
                },
            ),
            **problem_responses(400),
        },
    )
    @search_recorded("flight")
    def get(self, request: Request) -> Response:
        query = parse_query(self.InputSerializer, request)
        key = {**query, "slices": [(s.origin, s.destination, s.day) for s in query["slices"]]}
        return cached_page(
            request=request, kind="flight", query=key, answer=lambda: self._answer(request, query)
        )

    def _answer(self, request: Request, query: dict[str, Any]) -> tuple[PageAnswer, float | None]:
        now = timezone.now()
        party = flight_party(query)
        results = flight_multi_city_offers_list(
            slices=query["slices"],
            party=party,
            cabin=query["cabin"],
            max_stops=query["max_stops"],
            sort=query["sort"],
            now=now,
        )
        asked = {
            "slices": [
                {"origin": s.origin, "destination": s.destination, "date": s.day.isoformat()}
                for s in query["slices"]
            ],
        }
        return flight_page_answer(self, request, self.OutputSerializer, query=query, party=party,
                                  asked=asked, results=results, now=now)  # fmt: skip
