"""Replies to reviews: a property's manager answers a public review once, moderators approve.

Who may see and answer which review is decided here, once, for every road in (the admin's
list, its pages by id, its actions): a manager reaches only the approved reviews of the
properties they are linked to (`ManagedProperty`); moderators reach every review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from reviews.errors import NotYourProperty, ReplyExists, ReplyNotFound
from reviews.models import ManagedProperty, Review, ReviewReply, ReviewStatus, Subject
from travelguru.errors import InvalidInput

REPLY_MAX_LENGTH = 2000


# --- reading ---------------------------------------------------------------------------


def reviews_for_staff(reviews: QuerySet[Review], *, user: Any) -> QuerySet[Review]:
    """The part of `reviews` a staff member may see: all for those who moderate reviews;
    for a property manager, the public reviews of the properties they manage, nothing else
    (not others' reviews, not the pending or rejected ones of their own)."""
    if user.has_perm("reviews.change_review"):
        return reviews
    managed = ManagedProperty.objects.filter(
        user=user, subject=OuterRef("subject"), subject_id=OuterRef("subject_id")
    )
    return reviews.filter(Exists(managed), status=ReviewStatus.APPROVED)


def property_manages(*, user: Any, review: Review) -> bool:
    return ManagedProperty.objects.filter(
        user=user, subject=review.subject, subject_id=review.subject_id
    ).exists()


def reply_public(review: Review) -> ReviewReply | None:
    """The review's reply if the public may read it (approved), else None."""
    try:
        reply = review.reply
    except ReviewReply.DoesNotExist:
        return None
    return reply if reply.status == ReviewStatus.APPROVED else None


# --- writing ---------------------------------------------------------------------------


def _reviewable_by(*, manager: Any, review_id: int) -> Review:
    """The review, if `manager` may answer it: public, and about a property they manage.
    Anything else is the same refusal, so the answer says nothing of others' reviews."""
    review = Review.objects.filter(pk=review_id, status=ReviewStatus.APPROVED).first()
    if review is None or not property_manages(user=manager, review=review):
        raise NotYourProperty()
    return review


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("A reply needs text.")
    if len(text) > REPLY_MAX_LENGTH:
        # Refused, not cut: a reply published without its end could say the opposite.
        raise InvalidInput(f"A reply has at most {REPLY_MAX_LENGTH} characters.")
    return text


def reply_create(*, manager: Any, review_id: int, text: str, now: datetime) -> ReviewReply:
    """The property's reply to a public review of it, pending moderation.

    One per review: two managers answering at once both pass the checks, and the
    database's unique review column lets one insert in; the other gets ReplyExists (and
    may edit the reply that won)."""
    review = _reviewable_by(manager=manager, review_id=review_id)
    try:
        with transaction.atomic():
            return ReviewReply.objects.create(
                review=review, text=_clean(text), written_by=manager, created_at=now,
                updated_at=now,
            )  # fmt: skip
    except IntegrityError:
        raise ReplyExists("This review has a reply already: edit that one.") from None


def reply_edit(*, manager: Any, review_id: int, text: str, now: datetime) -> ReviewReply:
    """New text for the property's reply; it goes back to moderation (hidden until a
    moderator approves the new text)."""
    _reviewable_by(manager=manager, review_id=review_id)
    with transaction.atomic():
        reply = ReviewReply.objects.select_for_update().filter(review_id=review_id).first()
        if reply is None:
            raise ReplyNotFound("This review has no reply to edit (it was deleted).")
        reply.text = _clean(text)
        reply.written_by = manager
        reply.status = ReviewStatus.PENDING
        reply.moderation_reason = ""
        reply.moderated_by = None
        reply.moderated_at = None
        reply.updated_at = now
        reply.save()
    return reply


def _moderate(reply: ReviewReply, *, status: str, staff: Any, reason: str, now: datetime):
    with transaction.atomic():
        reply = ReviewReply.objects.select_for_update().get(pk=reply.pk)
        reply.status = status
        reply.moderation_reason = reason[:300]
        reply.moderated_by = staff
        reply.moderated_at = now
        reply.save(update_fields=["status", "moderation_reason", "moderated_by", "moderated_at"])
        if status == ReviewStatus.APPROVED and reply.reviewer_told_at is None:
            _reviewer_tell(reply, now=now)
    return reply


def _reviewer_tell(reply: ReviewReply, *, now: datetime) -> None:
    """Queue the e-mail that tells the reviewer their review was answered, in the row
    lock's transaction (told exactly once, however many moderators approve at once)."""
    from django.conf import settings

    from notifications.services import language_pick, queue_message
    from reviews.selectors import SUBJECT_MODELS

    review = Review.objects.select_related("user").get(pk=reply.review_id)
    model = SUBJECT_MODELS[Subject(review.subject)]
    name = model._default_manager.filter(pk=review.subject_id).values_list("name", flat=True)
    # The language the traveler booked the reviewed trip in (the account keeps none), read
    # through the review's own link to its booking item.
    language = Review.objects.filter(pk=review.pk).values_list(
        "booking_item__booking__language", flat=True
    )
    page = f"/hotels/{review.subject_id}" if review.subject == Subject.HOTEL else "/"
    queue_message(
        kind="review_reply",
        to_email=review.user.email,
        language=language_pick(language.first()),
        context={
            "first_name": review.user.first_name,
            "responder": name.first() or "",
            "review_title": review.title,
            "reply_text": reply.text,
            "url": f"{settings.SITE_URL}{page}",
        },
        user=review.user,
        now=now,
    )
    reply.reviewer_told_at = now
    reply.save(update_fields=["reviewer_told_at"])


def reply_approve(reply: ReviewReply, *, staff: Any, now: datetime) -> ReviewReply:
    """Make the reply public under its review; the first time, the reviewer is e-mailed."""
    return _moderate(reply, status=ReviewStatus.APPROVED, staff=staff, reason="", now=now)


def reply_reject(reply: ReviewReply, *, staff: Any, reason: str, now: datetime) -> ReviewReply:
    if not reason.strip():
        raise ValueError("a rejection needs a reason")
    return _moderate(reply, status=ReviewStatus.REJECTED, staff=staff, reason=reason, now=now)
