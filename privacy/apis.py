"""GET/PATCH/DELETE /api/me: the traveler's account (accounts' view) and its erasure;
GET /api/me/export: everything held about the logged-in traveler, as JSON."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, UserRateThrottle
from rest_framework.views import APIView

from accounts import apis as accounts_apis
from travelguru.security import CountedRateThrottle
from travelguru.serializers import problem_responses


class PersonalDataThrottle(CountedRateThrottle, UserRateThrottle):
    """Exports and erasures are rare and heavy: a few an hour per traveler (and a wrong
    password for an erasure cannot be tried at speed)."""

    scope = "personal_data"


class MeApi(accounts_apis.MeApi):
    """The logged-in traveler's own account."""

    # One URL, one view: GET and PATCH are accounts' (the account is accounts' own), DELETE
    # is the erasure, which asks every app that holds personal data and so lives here, above
    # them all. The docstring is accounts' again: it describes GET and PATCH in the schema.

    delete_has_body = True  # the password confirming an erasure (travelguru.schema)

    class EraseInputSerializer(serializers.Serializer[Any]):
        password = serializers.CharField(max_length=128, write_only=True)

        class Meta:
            ref_name = "MeEraseInput"

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "DELETE":
            return [*super().get_throttles(), PersonalDataThrottle()]
        return super().get_throttles()

    @extend_schema(
        operation_id="me_erase",
        request=EraseInputSerializer,
        responses={204: None, **problem_responses(400, 401, 403, 409, 429)},
        description=(
            "Erase your personal data, confirmed with your password: your name, email, "
            "logins and reviews go and every session ends; bookings and payments stay for "
            "the accounts, linked to nobody. 409 `erasure-blocked` while a trip is being "
            "booked or a booked trip is not over; 403 `password-confirmation-failed`."
        ),
    )
    def delete(self, request: Request) -> Response:
        from privacy.errors import PasswordConfirmationFailed
        from privacy.services import user_erase

        data = self.EraseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.check_password(data.validated_data["password"]):
            raise PasswordConfirmationFailed()
        user_erase(user=request.user, actor=request.user, now=timezone.now(),
                   reason="asked by the traveler")  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)


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
