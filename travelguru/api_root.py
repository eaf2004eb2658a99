from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootApi(APIView):
    """Where everything is: links to every collection and the documentation."""

    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        docs = serializers.URLField()
        schema = serializers.URLField()
        links = serializers.DictField(child=serializers.URLField())

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        def url(name: str) -> str:
            return reverse(name, request=request)

        links = {
            "airports": url("airport-autocomplete"),
            "cities": url("city-autocomplete"),
            "flights": url("flight-search"),
            "hotels": url("hotel-search"),
            "cars": url("car-search"),
        }
        data = {"name": "TravelGuru API", "docs": url("docs"), "schema": url("schema")}
        return Response(self.OutputSerializer({**data, "links": links}).data)
