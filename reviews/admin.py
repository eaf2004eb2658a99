"""Moderation: staff approve or reject pending reviews (in bulk), with the screen's flags."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone

from reviews.models import RatingAggregate, Review


class FlaggedFilter(admin.SimpleListFilter):
    title = "automatic screen"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", "Flagged"), ("no", "Clean")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flags=[])
        if self.value() == "no":
            return queryset.filter(flags=[])
        return queryset


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "subject",
        "subject_id",
        "rating",
        "status",
        "flags",
        "user",
        "created_at",
    ]
    list_filter = ["status", FlaggedFilter, "subject", "rating"]
    search_fields = ["title", "text", "user__email", "=booking_item__booking__reference"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "user", "booking_item", "subject", "subject_id", "rating", "sub_scores", "title", "text",
        "flags", "status", "moderation_reason", "moderated_by", "moderated_at", "travelled_on",
        "helpful_count", "created_at",
    ]  # fmt: skip
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description="Approve the selected reviews (make them public)", permissions=["change"]
    )
    def approve(self, request, queryset):
        from audit.services import audit_record
        from reviews.services import review_approve

        now = timezone.now()
        for review in queryset:
            review_approve(review, staff=request.user, now=now)
            audit_record(actor=request.user, action="review.approve", target=review, now=now)
        self.message_user(request, f"Approved {queryset.count()} review(s).", messages.SUCCESS)

    @admin.action(description="Reject the selected reviews…", permissions=["change"])
    def reject(self, request, queryset):
        from audit.services import audit_record
        from reviews.services import review_reject

        reason = request.POST.get("reason", "").strip()
        if request.POST.get("post") != "yes" or not reason:
            return TemplateResponse(
                request,
                "admin/reviews/review/reject.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "reviews": list(queryset),
                    "title": "Reject reviews",
                    "error": "Give a reason." if request.POST.get("post") == "yes" else "",
                },
            )
        now = timezone.now()
        for review in queryset:
            review_reject(review, staff=request.user, reason=reason, now=now)
            audit_record(
                actor=request.user, action="review.reject", target=review, now=now, reason=reason
            )
        self.message_user(request, f"Rejected {queryset.count()} review(s).", messages.SUCCESS)
        return None

    def delete_model(self, request, obj):
        from audit.services import audit_record
        from reviews.services import review_delete

        now = timezone.now()
        with transaction.atomic():  # the entry exists only if the delete happened
            audit_record(actor=request.user, action="review.delete", target=obj, now=now)
            review_delete(obj, now=now)

    def delete_queryset(self, request, queryset):
        from audit.services import audit_record
        from reviews.services import review_delete

        now = timezone.now()
        for review in queryset:
            with transaction.atomic():
                audit_record(actor=request.user, action="review.delete", target=review, now=now)
                review_delete(review, now=now)


@admin.register(RatingAggregate)
class RatingAggregateAdmin(admin.ModelAdmin):
    list_display = ["subject", "subject_id", "count", "average", "score", "updated_at"]
    list_filter = ["subject"]
    search_fields = ["=subject_id"]
    readonly_fields = [f.name for f in RatingAggregate._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
