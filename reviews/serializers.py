"""How a subject's rating is shown wherever it appears (detail, search results, reviews), and
how a review is shown (its public lists, and the answer to writing one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import serializers

if TYPE_CHECKING:
    from reviews.models import Review


class RatingSerializer(serializers.Serializer):
    """What travelers said of a hotel, car vendor or airline (approved reviews only)."""

    average = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    count = serializers.IntegerField()
    distribution = serializers.DictField(
        child=serializers.IntegerField(), help_text='Reviews per star: {"1": 0, …, "5": 12}'
    )
    sub_scores = serializers.DictField(
        child=serializers.FloatField(), help_text='Averages, e.g. {"cleanliness": 4.5}'
    )

    class Meta:
        ref_name = "Rating"


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


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(help_text="Plain text")
    created_at = serializers.DateTimeField()
    responder = serializers.CharField(
        help_text="The hotel, rental company or airline that answers (never a person)"
    )

    class Meta:
        ref_name = "ReviewReply"


class ReviewSerializer(serializers.Serializer):
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
    reply = ReplySerializer(
        allow_null=True, help_text="The property's public answer (approved), or null"
    )

    class Meta:
        ref_name = "Review"
