"""GET /api/me/export: everything held about the logged-in traveler, as JSON.
(DELETE /api/me, the erasure, is accounts.apis.MeApi's: one URL, one view.)"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from travelguru.security import CountedRateThrottle
from travelguru.serializers import problem_responses


class PersonalDataThrottle(CountedRateThrottle, UserRateThrottle):
    """Exports and erasures are rare and heavy: a few an hour per traveler (and a wrong
    password for an erasure cannot be tried at speed)."""

    scope = "personal_data"


class MeExportApi(APIView):
    """Everything TravelGuru holds about you (account, logins, holds, bookings with their
    travelers and payments, reviews, staff actions about you), as one JSON document."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [PersonalDataThrottle]

    @extend_schema(
        operation_id="me_export",
        responses={200: OpenApiTypes.OBJECT, **problem_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        from privacy.services import user_export

        document = user_export(user=request.user, actor=request.user, now=timezone.now())
        response = Response(document)
        response["Content-Disposition"] = 'attachment; filename="travelguru-personal-data.json"'
        return response
