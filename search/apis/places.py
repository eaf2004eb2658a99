"""Placeholder: being written."""

from rest_framework.views import APIView


class AirportAutocompleteApi(APIView):
    pass


class CityAutocompleteApi(APIView):
    pass
