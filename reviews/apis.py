"""GET /api/{hotels|car-vendors|airlines}/{id}/reviews; POST /api/reviews/{id}/helpful.

POST /api/reviews is bookings' (bookings.apis.reviews.ReviewCreateApi): the booking proves the stay.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.models import Subject
from reviews.selectors import SORTS, rating_get, reviews_list, subject_check
from reviews.serializers import RatingSerializer, ReviewSerializer, review_json
from reviews.services import helpful_vote
from travelguru.pagination import PageNumberPagination
from travelguru.serializers import page_fields, parse_query, problem_responses


class SubjectReviewsApi(APIView):
    """Approved reviews of a hotel, a car rental company or an airline, with the rating."""

    subject: str = Subject.HOTEL

    class InputSerializer(serializers.Serializer):
        sort = serializers.ChoiceField(choices=list(SORTS), default="newest")
        rating = serializers.IntegerField(required=False, min_value=1, max_value=5)
        page = serializers.IntegerField(required=False, min_value=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=50)

        class Meta:
            ref_name = "ReviewListInput"

    @extend_schema(
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "ReviewPage",
                fields={
                    **page_fields(),
                    "rating": RatingSerializer(),
                    "results": ReviewSerializer(many=True),
                },
            ),
            **problem_responses(400, 404),
        },
    )
    def get(self, request: Request, subject_id: int) -> Response:
        query = parse_query(self.InputSerializer, request)
        name = subject_check(subject=self.subject, subject_id=subject_id)
        reviews = reviews_list(
            subject=self.subject, subject_id=subject_id, sort=query["sort"],
            rating=query.get("rating"),
        )  # fmt: skip
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(reviews, request, view=self)
        response = paginator.get_paginated_response([review_json(r, responder=name) for r in page])
        response.data["rating"] = rating_get(subject=self.subject, subject_id=subject_id)
        return response


class HotelReviewsApi(SubjectReviewsApi):
    subject = Subject.HOTEL


class CarVendorReviewsApi(SubjectReviewsApi):
    subject = Subject.CAR_VENDOR


class AirlineReviewsApi(SubjectReviewsApi):
    subject = Subject.AIRLINE


class ReviewHelpfulApi(APIView):
    """Say a review helped you; counted once per traveler."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="reviews_helpful",
        request=None,
        responses={
            200: inline_serializer(
                "HelpfulVote",
                fields={
                    "helpful_count": serializers.IntegerField(),
                    "counted": serializers.BooleanField(help_text="False: you had voted"),
                },
            ),
            **problem_responses(401, 404, 409),
        },
    )
    def post(self, request: Request, review_id: int) -> Response:
        review, counted = helpful_vote(user=request.user, review_id=review_id, now=timezone.now())
        return Response({"helpful_count": review.helpful_count, "counted": counted})
