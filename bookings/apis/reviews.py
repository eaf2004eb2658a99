"""POST /api/reviews: a review of a booked item.

Served by bookings, not by reviews: whether the item may be reviewed is bookings' to say,
and reviews (below bookings) never reads bookings.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import request_user
from bookings.services.reviews import booking_item_review
from reviews.models import SUB_SCORES, ReviewStatus, Subject
from reviews.serializers import ReviewSerializer, review_json
from travelguru.serializers import problem_responses


class ReviewCreateApi(APIView):
    """Review the hotel, rental company or airline of your own completed booking item."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer[Any]):
        booking_reference = serializers.CharField(max_length=12)
        item = serializers.IntegerField(
            required=False, min_value=0, help_text="Item position; optional for one item"
        )
        rating = serializers.IntegerField(min_value=1, max_value=5)
        sub_scores = serializers.DictField(
            child=serializers.IntegerField(min_value=1, max_value=5),
            required=False,
            help_text=f"Each 1-5. Hotel: {', '.join(SUB_SCORES[Subject.HOTEL])}; car: "
            f"{', '.join(SUB_SCORES[Subject.CAR_VENDOR])}; airline: "
            f"{', '.join(SUB_SCORES[Subject.AIRLINE])}",
        )
        title = serializers.CharField(min_length=3, max_length=120)
        text = serializers.CharField(min_length=20, max_length=4000)

        class Meta:
            ref_name = "ReviewCreateInput"

    class OutputSerializer(ReviewSerializer):
        status = serializers.ChoiceField(choices=ReviewStatus.choices)
        subject = serializers.ChoiceField(choices=Subject.choices)
        subject_id = serializers.IntegerField()

        class Meta:
            ref_name = "ReviewCreated"

    @extend_schema(
        operation_id="reviews_create",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        review = booking_item_review(
            user=request_user(request),
            booking_reference=v["booking_reference"],
            position=v.get("item"),
            rating=v["rating"],
            sub_scores=v.get("sub_scores") or {},
            title=v["title"],
            text=v["text"],
            now=timezone.now(),
        )
        body = {
            **review_json(review),
            "status": review.status,
            "subject": review.subject,
            "subject_id": review.subject_id,
        }
        return Response(body, status=status.HTTP_201_CREATED)
