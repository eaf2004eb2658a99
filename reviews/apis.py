"""POST /api/reviews; GET /api/{hotels|car-vendors|airlines}/{id}/reviews; POST …/helpful."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.models import SUB_SCORES, Review, ReviewStatus, Subject
from reviews.selectors import SORTS, rating_get, reviews_list, subject_check
from reviews.serializers import RatingSerializer
from reviews.services import helpful_vote, review_create
from travelguru.pagination import PageNumberPagination
from travelguru.serializers import page_fields, parse_query, problem_responses


def reply_json(review: Review, *, responder: str) -> dict[str, Any] | None:
    from reviews.replies import reply_public

    reply = reply_public(review)
    if reply is None:
        return None
    return {
        "text": reply.text,
        "created_at": reply.created_at.isoformat(),
        "responder": responder,
    }


def review_json(review: Review, *, responder: str | None = None) -> dict[str, Any]:
    """`responder`: the name of the reviewed property, which signs a reply (None: the
    review can have no public reply yet, as when it was just written)."""
    user = review.user
    return {
        "id": review.id,
        "rating": review.rating,
        "sub_scores": review.sub_scores,
        # Plain text: clients must render it as text, never as HTML.
        "title": review.title,
        "text": review.text,
        "author": f"{user.first_name} {user.last_name[:1]}.".strip()
        if user.first_name
        else "Traveler",
        "travelled_on": review.travelled_on.strftime("%Y-%m"),
        "verified": True,
        "helpful_count": review.helpful_count,
        "created_at": review.created_at.isoformat(),
        "reply": reply_json(review, responder=responder) if responder is not None else None,
    }


class _ReplySerializer(serializers.Serializer):
    text = serializers.CharField(help_text="Plain text")
    created_at = serializers.DateTimeField()
    responder = serializers.CharField(
        help_text="The hotel, rental company or airline that answers (never a person)"
    )

    class Meta:
        ref_name = "ReviewReply"


class _ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rating = serializers.IntegerField()
    sub_scores = serializers.DictField(child=serializers.IntegerField())
    title = serializers.CharField(help_text="Plain text")
    text = serializers.CharField(help_text="Plain text")
    author = serializers.CharField(help_text='First name and initial, e.g. "Ada L."')
    travelled_on = serializers.CharField(help_text="YYYY-MM")
    verified = serializers.BooleanField(help_text="Always true: only guests may review")
    helpful_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    reply = _ReplySerializer(
        allow_null=True, help_text="The property's public answer (approved), or null"
    )

    class Meta:
        ref_name = "Review"


class ReviewCreateApi(APIView):
    """Review the hotel, rental company or airline of your own completed booking item."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
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

    class OutputSerializer(_ReviewSerializer):
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
        review = review_create(
            user=request.user,
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
                    "results": _ReviewSerializer(many=True),
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
