"""Reviews: written by real guests only, screened, moderated, and summed into aggregates."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F

from reviews.errors import AlreadyReviewed, OwnReview, ReviewNotFound
from reviews.models import SUB_SCORES, HelpfulVote, RatingAggregate, Review, ReviewStatus, Subject
from travelguru.errors import InvalidFields
from travelguru.results_cache import results_changed

TWO_PLACES = Decimal("0.01")
# The search answers that show each subject's rating (travelguru.results_cache).
SEARCH_KINDS = {Subject.HOTEL: "hotel", Subject.AIRLINE: "flight", Subject.CAR_VENDOR: "car"}


# --- the automatic screen ----------------------------------------------------------------

_LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|net|org|ru|io|xyz|biz)\b)", re.I)
_HTML = re.compile(r"<\s*/?\s*[a-z][^>]*>", re.I)
_REPEAT = re.compile(r"\b(\w+)(\W+\1\b){4,}", re.I)
PROFANITY = frozenset(
    {"fuck", "fucking", "shit", "bullshit", "asshole", "bastard", "bitch", "cunt", "dick",
     "wanker", "scam"}
)  # fmt: skip


def review_screen(*, title: str, text: str, user_id: int | None = None) -> list[str]:
    """Flags for staff (never a verdict): links, markup, repetition, profanity, shouting,
    and text copied from another review."""
    body = f"{title}\n{text}"
    flags = []
    if _LINK.search(body):
        flags.append("link")
    if _HTML.search(body):
        flags.append("html")
    if _REPEAT.search(body) or re.search(r"(.)\1{9,}", body):
        flags.append("repeated-text")
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", body)}
    if words & PROFANITY:
        flags.append("profanity")
    letters = [c for c in body if c.isalpha()]
    if len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        flags.append("shouting")
    if text.strip() and Review.objects.filter(text=text.strip()).exists():
        flags.append("duplicate")
    return flags


# --- writing -----------------------------------------------------------------------------


def review_create(
    *,
    user,
    booking_item_id: int,
    subject: str,
    subject_id: int,
    travelled_on: date,
    rating: int,
    sub_scores: dict[str, int],
    title: str,
    text: str,
    now: datetime,
) -> Review:
    """A pending review of a booked item its caller has shown to be reviewable (bookings'
    `booking_item_review`: the traveler's own, completed, not cancelled); one per item.

    `subject` is what the item lets its traveler review (its hotel, rental company or
    airline) and `travelled_on` the day the service began at the place.
    """
    allowed = SUB_SCORES[subject]
    unknown = sorted(set(sub_scores) - set(allowed))
    if unknown:
        raise InvalidFields(
            {
                "sub_scores": [
                    f"Unknown for a {subject}: {', '.join(unknown)}; use {', '.join(allowed)}."
                ]
            }
        )
    try:
        with transaction.atomic():
            return Review.objects.create(
                user=user,
                booking_item_id=booking_item_id,
                subject=subject,
                subject_id=subject_id,
                rating=rating,
                sub_scores=sub_scores,
                title=title.strip(),
                text=text.strip(),
                flags=review_screen(title=title, text=text),
                travelled_on=travelled_on,
                created_at=now,
            )
    except IntegrityError:
        raise AlreadyReviewed() from None


def _moderate(review: Review, *, status: str, staff, reason: str, now: datetime) -> Review:
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        review.status = status
        review.moderation_reason = reason[:300]
        review.moderated_by = staff
        review.moderated_at = now
        review.save(update_fields=["status", "moderation_reason", "moderated_by", "moderated_at"])
        rating_recompute(subject=review.subject, subject_id=review.subject_id, now=now)
    return review


def review_approve(review: Review, *, staff, now: datetime, reason: str = "") -> Review:
    return _moderate(review, status=ReviewStatus.APPROVED, staff=staff, reason=reason, now=now)


def review_reject(review: Review, *, staff, reason: str, now: datetime) -> Review:
    if not reason.strip():
        raise ValueError("a rejection needs a reason")
    return _moderate(review, status=ReviewStatus.REJECTED, staff=staff, reason=reason, now=now)


def review_delete(review: Review, *, now: datetime) -> None:
    with transaction.atomic():
        subject, subject_id = review.subject, review.subject_id
        review.delete()
        rating_recompute(subject=subject, subject_id=subject_id, now=now)


def helpful_vote(*, user, review_id: int, now: datetime) -> tuple[Review, bool]:
    """Count the caller's vote once; returns (review, whether this call counted)."""
    review = Review.objects.filter(pk=review_id, status=ReviewStatus.APPROVED).first()
    if review is None:
        raise ReviewNotFound()
    if review.user_id == user.pk:
        raise OwnReview()
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(review=review, user=user, created_at=now)
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        return review, False
    review.refresh_from_db(fields=["helpful_count"])
    return review, True


# --- aggregates --------------------------------------------------------------------------


def bayesian_score(*, count: int, total: int) -> Decimal | None:
    """(C·m + Σ ratings) / (C + n): a few reviews pull toward the prior mean m."""
    if count == 0:
        return None
    weight = settings.REVIEW_PRIOR_WEIGHT
    mean = Decimal(settings.REVIEW_PRIOR_MEAN)
    score = (weight * mean + total) / (weight + count)
    return score.quantize(TWO_PLACES, ROUND_HALF_UP)


def rating_compute(*, subject: str, subject_id: int) -> dict:
    """The aggregate of a subject's approved reviews, from scratch."""
    approved = Review.objects.filter(
        subject=subject, subject_id=subject_id, status=ReviewStatus.APPROVED
    )
    by_rating = dict(
        approved.values_list("rating").annotate(n=Count("id")).values_list("rating", "n")
    )
    count = sum(by_rating.values())
    total = sum(r * n for r, n in by_rating.items())
    sums: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for scores in approved.values_list("sub_scores", flat=True):
        for name, value in scores.items():
            sums[name] += value
            seen[name] += 1
    return {
        "count": count,
        "average": (Decimal(total) / count).quantize(TWO_PLACES, ROUND_HALF_UP) if count else None,
        "score": bayesian_score(count=count, total=total),
        "distribution": {str(n): by_rating.get(n, 0) for n in range(1, 6)},
        "sub_scores": {
            name: float((Decimal(sums[name]) / seen[name]).quantize(Decimal("0.1"), ROUND_HALF_UP))
            for name in sorted(sums)
        },
    }


def _aggregate_locked(*, subject: str, subject_id: int, now: datetime) -> RatingAggregate:
    """The subject's aggregate row, created if missing, locked for this transaction."""
    rows = RatingAggregate.objects.select_for_update().filter(
        subject=subject, subject_id=subject_id
    )
    aggregate = rows.first()
    if aggregate is None:
        try:
            with transaction.atomic():
                return RatingAggregate.objects.create(
                    subject=subject, subject_id=subject_id, updated_at=now
                )
        except IntegrityError:  # created meanwhile by a concurrent moderation
            aggregate = rows.get()
    return aggregate


def rating_recompute(*, subject: str, subject_id: int, now: datetime) -> RatingAggregate:
    """Recount the subject's approved reviews into its aggregate, from scratch.

    The aggregate row is locked before the recount, so two moderations of the same subject
    at once recount one after the other (READ COMMITTED: the second sees the first's
    change) instead of the later writer storing a count that misses the other's review.
    """
    with transaction.atomic():
        aggregate = _aggregate_locked(subject=subject, subject_id=subject_id, now=now)
        for field, value in rating_compute(subject=subject, subject_id=subject_id).items():
            setattr(aggregate, field, value)
        aggregate.updated_at = now
        aggregate.save()
        results_changed(SEARCH_KINDS[subject])  # search results show the rating
    return aggregate


def reviews_personal_data(*, user: Any) -> dict[str, Any]:
    """`user`'s reviews and helpful votes, for their personal data export."""
    return {
        "reviews": [
            {"id": r.pk, "subject": r.subject, "subject_id": r.subject_id, "rating": r.rating,
             "sub_scores": r.sub_scores, "title": r.title, "text": r.text, "status": r.status,
             "travelled_on": r.travelled_on.isoformat(), "created_at": r.created_at.isoformat()}
            for r in Review.objects.filter(user=user).order_by("created_at")
        ],
        "helpful_votes": [
            {"review_id": v.review_id, "created_at": v.created_at.isoformat()}
            for v in HelpfulVote.objects.filter(user=user).order_by("created_at")
        ],
    }  # fmt: skip


def reviews_of_user_delete(*, user: Any, now: datetime) -> list[int]:
    """Delete what `user` wrote (an erasure); ratings recomputed without it. Returns the
    deleted reviews' ids (their audit entries are scrubbed by the caller)."""
    deleted = []
    for review in Review.objects.filter(user=user).order_by("pk"):
        deleted.append(review.pk)
        review_delete(review, now=now)
    return deleted
