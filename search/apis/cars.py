"""Placeholder: being written."""

from rest_framework.views import APIView


class CarSearchApi(APIView):
    pass
