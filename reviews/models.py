"""Verified reviews: one per completed booking item, moderated before anyone sees it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Subject(models.TextChoices):
    HOTEL = "hotel", "Hotel"
    CAR_VENDOR = "car_vendor", "Car rental company"
    AIRLINE = "airline", "Airline"


# The sub-scores each kind of subject is rated on (1-5 each).
SUB_SCORES: dict[str, tuple[str, ...]] = {
    Subject.HOTEL: ("cleanliness", "location", "service", "value"),
    Subject.CAR_VENDOR: ("vehicle", "pick_up", "value"),
    Subject.AIRLINE: ("comfort", "punctuality", "service"),
}


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending moderation"
    APPROVED = "approved", "Approved (public)"
    REJECTED = "rejected", "Rejected"


class Review(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    # The proof of the stay/rental/flight: one review per booked item, ever.
    booking_item = models.OneToOneField(
        "bookings.BookingItem", on_delete=models.PROTECT, related_name="review"
    )
    subject = models.CharField(max_length=12, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField(help_text="Hotel, car vendor or airline id")
    rating = models.PositiveSmallIntegerField()
    sub_scores = models.JSONField(default=dict)
    title = models.CharField(max_length=120)
    text = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    flags = models.JSONField(default=list, help_text="What the automatic screen noticed")
    moderation_reason = models.CharField(max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderated_reviews",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    travelled_on = models.DateField(help_text="When the reviewed service was used")
    helpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject", "subject_id", "status", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating"),
        ]
        permissions = [("reply_review", "Can reply to reviews of the properties one manages")]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.subject_id}: {self.title}"


class ManagedProperty(models.Model):
    """A property manager answers for this hotel, rental company or airline: they may reply
    to its reviews, and see no other property's. Kept by admins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="managed_properties",
        limit_choices_to={"is_staff": True},
    )
    subject = models.CharField(max_length=12, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField(help_text="Hotel, car vendor or airline id")

    class Meta:
        verbose_name_plural = "managed properties"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subject", "subject_id"], name="one_link_per_manager_and_property"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} manages {self.get_subject_display()} {self.subject_id}"


class ReviewReply(models.Model):
    """The property's one public answer to a review; moderated like reviews, and every edit
    goes back to moderation (only what a moderator read is public)."""

    # One reply per review: the database refuses a second, whoever writes it.
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    text = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="review_replies",
        help_text="The manager who wrote it (not shown: the property answers)",
    )
    moderation_reason = models.CharField(max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderated_replies",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The reviewer hears of the reply once, when it is first published (not on each edit).
    reviewer_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "review replies"
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"Reply to review {self.review_id}"


class HelpfulVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_vote_per_traveler"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} found {self.review_id} helpful"


class RatingAggregate(models.Model):
    """Approved reviews of one subject, summed; always recomputed from the reviews."""

    subject = models.CharField(max_length=12, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField()
    count = models.PositiveIntegerField(default=0)
    average = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    # Bayesian average (ranks one 5-star review below hundreds at 4.7); see reviews.services.
    score = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    distribution = models.JSONField(default=dict, help_text='{"1": n, …, "5": n}')
    sub_scores = models.JSONField(default=dict, help_text="name -> average")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "subject_id"], name="one_aggregate"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.subject_id}: {self.average} ({self.count})"

    def as_json(self) -> dict:
        return {
            "average": str(self.average) if self.average is not None else None,
            "count": self.count,
            "distribution": {str(n): self.distribution.get(str(n), 0) for n in range(1, 6)},
            "sub_scores": self.sub_scores,
        }


EMPTY_RATING = {
    "average": None,
    "count": 0,
    "distribution": {str(n): 0 for n in range(1, 6)},
    "sub_scores": {},
}
