"""GET /api/airports?q= and GET /api/cities?q=: autocomplete, best match first."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from search.apis.common import index_freshness, paginated, parse_query
from search.selectors.places import airport_suggestions, city_suggestions
from travelguru.serializers import page_of, problem_responses


class _QuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        min_length=1,
        max_length=100,
        trim_whitespace=True,
        help_text="Code, name or city; word prefixes match, accents are ignored",
    )
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50)

    class Meta:
        ref_name = "AutocompleteInput"


_PARAMS = [
    OpenApiParameter("q", str, required=True, description="e.g. `lon`, `JFK`, `zuri`"),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="Up to 50 (default 20)"),
]


class AirportAutocompleteApi(APIView):
    """Airports whose IATA code, name or city starts with `q`; an exact code ranks first."""

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(help_text="IATA code")
        name = serializers.CharField()
        city = serializers.CharField(source="city_name")
        city_id = serializers.IntegerField(allow_null=True)
        country_code = serializers.CharField()
        timezone = serializers.CharField(help_text="IANA time zone")
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()

    @extend_schema(
        parameters=_PARAMS,
        responses={
            200: page_of(
                "AirportPage", OutputSerializer(many=True),
                indexed_at=serializers.DateTimeField(allow_null=True),
            ),
            **problem_responses(400, 404),
        },
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = parse_query(_QuerySerializer, request)
        return paginated(
            view=self,
            request=request,
            items=airport_suggestions(text=query["q"]),
            serializer_class=self.OutputSerializer,
            extra=index_freshness(),
        )


class CityAutocompleteApi(APIView):
    """Cities we fly to or have hotels in, for hotel search's `city`."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        country_code = serializers.CharField()
        timezone = serializers.CharField(help_text="IANA time zone")
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()
        airports = serializers.ListField(child=serializers.CharField(), help_text="IATA codes")

    @extend_schema(
        parameters=_PARAMS,
        responses={
            200: page_of(
                "CityPage", OutputSerializer(many=True),
                indexed_at=serializers.DateTimeField(allow_null=True),
            ),
            **problem_responses(400, 404),
        },
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = parse_query(_QuerySerializer, request)
        return paginated(
            view=self,
            request=request,
            items=city_suggestions(text=query["q"]),
            serializer_class=self.OutputSerializer,
            extra=index_freshness(),
        )
