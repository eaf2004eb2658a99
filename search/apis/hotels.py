"""Placeholder: being written."""

from rest_framework.views import APIView


class HotelSearchApi(APIView):
    pass


class HotelDetailApi(APIView):
    pass
