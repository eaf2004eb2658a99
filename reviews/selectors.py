"""Public reads: approved reviews and aggregates only."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from catalog.models import Airline, CarVendor, Hotel
from reviews.errors import SubjectNotFound
from reviews.models import EMPTY_RATING, RatingAggregate, Review, ReviewStatus, Subject

SUBJECT_MODELS = {Subject.HOTEL: Hotel, Subject.CAR_VENDOR: CarVendor, Subject.AIRLINE: Airline}
SORTS = {"newest": ("-created_at", "-pk"), "helpful": ("-helpful_count", "-created_at", "-pk")}


def subject_check(*, subject: str, subject_id: int) -> None:
    model = SUBJECT_MODELS[subject]
    qs = model.objects.filter(pk=subject_id)
    if subject == Subject.HOTEL:
        qs = qs.filter(is_published=True)
    if not qs.exists():
        raise SubjectNotFound()


def reviews_list(
    *, subject: str, subject_id: int, sort: str = "newest", rating: int | None = None
) -> QuerySet[Review]:
    qs = Review.objects.filter(
        subject=subject, subject_id=subject_id, status=ReviewStatus.APPROVED
    ).select_related("user")
    if rating is not None:
        qs = qs.filter(rating=rating)
    return qs.order_by(*SORTS[sort])


def rating_get(*, subject: str, subject_id: int) -> dict:
    aggregate = RatingAggregate.objects.filter(subject=subject, subject_id=subject_id).first()
    return aggregate.as_json() if aggregate else dict(EMPTY_RATING)


def ratings_map(*, subject: str, subject_ids: Iterable[int]) -> dict[int, RatingAggregate]:
    """Aggregates for many subjects in one query (search results)."""
    return {
        a.subject_id: a
        for a in RatingAggregate.objects.filter(subject=subject, subject_id__in=list(subject_ids))
    }


def ratings_json_map(*, subject: str, subject_ids: Iterable[int]) -> dict[int, dict]:
    """The full public rating (average, count, distribution 1-5, sub-score averages) of
    each subject, unrated ones included, in one query: what a page of search results shows."""
    ids = list(subject_ids)
    found = ratings_map(subject=subject, subject_ids=ids)
    return {
        pk: found[pk].as_json()
        if pk in found
        else {**EMPTY_RATING, "distribution": dict(EMPTY_RATING["distribution"])}
        for pk in ids
    }
