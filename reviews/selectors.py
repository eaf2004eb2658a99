"""Public reads: approved reviews and aggregates only."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet

from catalog.models import Airline, CarVendor, Hotel
from reviews.errors import SubjectNotFound
from reviews.models import EMPTY_RATING, RatingAggregate, Review, ReviewStatus, Subject
from travelguru.sql import Column, Query, Select, Table, marks, statement

SUBJECT_MODELS = {Subject.HOTEL: Hotel, Subject.CAR_VENDOR: CarVendor, Subject.AIRLINE: Airline}
SORTS = {"newest": ("-created_at", "-pk"), "helpful": ("-helpful_count", "-created_at", "-pk")}


def subject_check(*, subject: str, subject_id: int) -> str:
    """The subject's name (what signs its replies to reviews); SubjectNotFound if there is
    no such subject, or no published hotel."""
    model = SUBJECT_MODELS[subject]
    qs = model.objects.filter(pk=subject_id)
    if subject == Subject.HOTEL:
        qs = qs.filter(is_published=True)
    name = qs.values_list("name", flat=True).first()
    if name is None:
        raise SubjectNotFound()
    return name


def reviews_list(
    *, subject: str, subject_id: int, sort: str = "newest", rating: int | None = None
) -> QuerySet[Review]:
    qs = Review.objects.filter(
        subject=subject, subject_id=subject_id, status=ReviewStatus.APPROVED
    ).select_related("user", "reply")
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


def airline_ratings_by_code(*, codes: Collection[str]) -> dict[str, dict[str, Any]]:
    """IATA code -> full rating and airline id (for its reviews) of rated airlines: what a
    page of flight results shows beside its legs."""
    if not codes:
        return {}
    ratings = {}
    for row in _airline_ratings_query(len(codes)).fetch([0, Subject.AIRLINE, *sorted(codes)]):
        rating = RatingAggregate(
            subject=Subject.AIRLINE,
            subject_id=row.subject_id,
            count=row.reviews,
            average=row.average,
            distribution=row.distribution,
            sub_scores=row.sub_scores,
        )
        ratings[row.code] = {"airline_id": row.subject_id, **rating.as_json()}
    return ratings


class _RatingRow(NamedTuple):
    subject_id: int
    reviews: int  # not `count`: a tuple's own method
    average: Decimal | None
    distribution: dict
    sub_scores: dict
    code: str


# Written out: every flight search runs it, and compiling the queryset cost more CPU than
# running it.
@statement((1,), (2,))
def _airline_ratings_query(codes: int) -> Query[_RatingRow]:
    """Parameters: 0 (the fewest ratings shown, excluded), the airline subject, the codes."""
    r, a = Table(RatingAggregate, "r"), Table(Airline, "a")
    code = Column(f"(SELECT {a.c.iata} FROM {a} WHERE {a.c.id} = {r.c.subject_id})")  # noqa: S608 # nosec B608
    row = Select(
        _RatingRow, subject_id=r.c.subject_id, reviews=r.c.count, average=r.c.average,
        distribution=r.c.distribution, sub_scores=r.c.sub_scores, code=code,
    )  # fmt: skip
    sql = f"""
        SELECT {row}
        FROM {r}
        WHERE {r.c.count} > %s AND {r.c.subject} = %s
          AND {r.c.subject_id} IN (SELECT {a.c.id} FROM {a} WHERE {a.c.iata} IN ({marks(codes)}))
    """  # noqa: S608 # nosec B608
    return Query(sql, row)


def reviewed_item_ids(*, item_ids: Iterable[int]) -> set[int]:
    """Which of these booking items have a review already (any status)."""
    return set(
        Review.objects.filter(booking_item_id__in=list(item_ids)).values_list(
            "booking_item_id", flat=True
        )
    )
