"""Moderation: staff approve or reject pending reviews (in bulk), with the screen's flags."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.module_loading import import_string

from reviews.models import ManagedProperty, RatingAggregate, Review, ReviewReply, ReviewStatus


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


def _moderation_actions(
    *,
    plural: str,
    counted: str,
    audit_prefix: str,
    approve: str,
    reject: str,
    skip_approved: bool,
) -> tuple[Callable[..., None], Callable[..., TemplateResponse | None]]:
    """The approve and reject admin actions of a moderated model (reviews, replies): each
    item moderated by its service (a dotted path, imported when the action runs) with its
    audit entry in one transaction, so the entry exists only if the moderation happened;
    a rejection first asks for its reason on the model's `reject.html` page."""

    @admin.action(description=f"Approve the selected {plural} (make them public)",
                  permissions=["change"])  # fmt: skip
    def approve_action(modeladmin, request, queryset):
        from audit.services import audit_record

        moderate = import_string(approve)
        now = timezone.now()
        items = list(queryset.exclude(status=ReviewStatus.APPROVED) if skip_approved else queryset)
        for item in items:
            with transaction.atomic():
                moderate(item, staff=request.user, now=now)
                audit_record(actor=request.user, action=f"{audit_prefix}.approve", target=item,
                             now=now)  # fmt: skip
        modeladmin.message_user(request, f"Approved {len(items)} {counted}.", messages.SUCCESS)

    @admin.action(description=f"Reject the selected {plural}…", permissions=["change"])
    def reject_action(modeladmin, request, queryset):
        from audit.services import audit_record

        reason = request.POST.get("reason", "").strip()
        if request.POST.get("post") != "yes" or not reason:
            opts = modeladmin.model._meta
            return TemplateResponse(
                request,
                f"admin/{opts.app_label}/{opts.model_name}/reject.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "opts": opts,
                    plural: list(queryset),
                    "title": f"Reject {plural}",
                    "error": "Give a reason." if request.POST.get("post") == "yes" else "",
                },
            )
        moderate = import_string(reject)
        now = timezone.now()
        items = list(queryset)
        for item in items:
            with transaction.atomic():
                moderate(item, staff=request.user, reason=reason, now=now)
                audit_record(actor=request.user, action=f"{audit_prefix}.reject", target=item,
                             now=now, reason=reason)  # fmt: skip
        modeladmin.message_user(request, f"Rejected {len(items)} {counted}.", messages.SUCCESS)
        return None

    return approve_action, reject_action


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
    actions = ["approve", "reject", "reply"]
    # What a property manager sees of their properties' public reviews: not the traveler's
    # account or booking, nor the screen's or the moderators' notes.
    MANAGER_FIELDS = [
        "subject", "subject_id", "rating", "sub_scores", "title", "text", "travelled_on",
        "helpful_count", "created_at", "reply_state",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_reply_permission(self, request):
        return request.user.has_perm("reviews.reply_review")

    @staticmethod
    def _moderates(request) -> bool:
        return request.user.has_perm("reviews.change_review")

    def get_queryset(self, request):
        # Every road to a review (the list, its pages by id, the actions' selection) starts
        # here, so a manager never reaches another property's reviews through any of them.
        from reviews.replies import reviews_for_staff

        return reviews_for_staff(super().get_queryset(request), user=request.user)

    def history_view(self, request, object_id, extra_context=None):
        # Django looks the review up before asking for permission here; staff with no
        # access to reviews get the 403 of every other page, not a "no such review".
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_list_display(self, request):
        if self._moderates(request):
            return [*self.list_display, "reply_state"]
        return ["title", "subject", "subject_id", "rating", "created_at", "reply_state"]

    def get_list_filter(self, request):
        return self.list_filter if self._moderates(request) else ["subject", "rating"]

    def get_search_fields(self, request):
        return self.search_fields if self._moderates(request) else ["title", "text"]

    def get_fields(self, request, obj=None):
        if self._moderates(request):
            return [*self.readonly_fields, "reply_state"]
        return self.MANAGER_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="reply")
    def reply_state(self, review):
        try:
            reply = review.reply
        except ReviewReply.DoesNotExist:
            return "–"
        return f"{reply.get_status_display()}: {reply.text[:80]}"

    @admin.action(description="Reply to the selected review (as its property)…",
                  permissions=["reply"])  # fmt: skip
    def reply(self, request, queryset):
        """One reply per review, written or edited on a page of its own; each version goes
        to moderation. The selection comes from get_queryset (the manager's own reviews),
        and the service checks the link again."""
        from audit.services import audit_record
        from reviews.replies import reply_create, reply_edit
        from travelguru.errors import DomainError

        reviews = list(queryset[:2])
        if len(reviews) != 1:
            self.message_user(request, "Reply to one review at a time.", messages.WARNING)
            return None
        review = reviews[0]
        existing = ReviewReply.objects.filter(review=review).first()
        text = request.POST.get("text", "").strip()
        if request.POST.get("post") != "yes" or not text:
            return TemplateResponse(
                request,
                "admin/reviews/review/reply.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "review": review,
                    "reply": existing,
                    "text": text or (existing.text if existing else ""),
                    "title": "Reply to a review",
                    "error": "Write the reply." if request.POST.get("post") == "yes" else "",
                },
            )
        now = timezone.now()
        try:
            with transaction.atomic():  # the entry exists only if the reply was written
                # The page said whether a reply existed; a reply written meanwhile by someone
                # else is not overwritten by this one.
                if request.POST.get("editing") == "yes":
                    reply_edit(manager=request.user, review_id=review.pk, text=text, now=now)
                    action = "review.reply_edit"
                else:
                    reply_create(manager=request.user, review_id=review.pk, text=text, now=now)
                    action = "review.reply"
                audit_record(actor=request.user, action=action, target=review, now=now)
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return None
        self.message_user(
            request, "Reply saved; it will be public once a moderator approves it.",
            messages.SUCCESS,
        )  # fmt: skip
        return None

    approve, reject = _moderation_actions(
        plural="reviews", counted="review(s)", audit_prefix="review",
        approve="reviews.services.review_approve", reject="reviews.services.review_reject",
        skip_approved=False,
    )  # fmt: skip

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


@admin.register(ReviewReply)
class ReviewReplyAdmin(admin.ModelAdmin):
    """Moderation of the properties' replies: approve makes one public under its review."""

    list_display = ["review", "status", "text", "updated_at"]
    list_filter = ["status", "review__subject"]
    search_fields = ["text", "=review__id"]
    list_select_related = ["review"]
    fields = (
        "review", "review_text", "text", "status", "written_by", "moderation_reason",
        "moderated_by", "moderated_at", "created_at", "updated_at",
    )  # fmt: skip
    readonly_fields = fields
    actions = ["approve_replies", "reject_replies"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="the review")
    def review_text(self, reply):
        return f"{reply.review.title}: {reply.review.text}"

    approve_replies, reject_replies = _moderation_actions(
        plural="replies", counted="reply(ies)", audit_prefix="reply",
        approve="reviews.replies.reply_approve", reject="reviews.replies.reply_reject",
        # Approving a reply again would e-mail its reviewer again.
        skip_approved=True,
    )  # fmt: skip


class ManagedPropertyForm(forms.ModelForm):
    class Meta:
        model = ManagedProperty
        fields = ["user", "subject", "subject_id"]

    def clean(self):
        from reviews.selectors import SUBJECT_MODELS

        data = super().clean() or {}
        subject, subject_id = data.get("subject"), data.get("subject_id")
        if (
            subject
            and subject_id
            and not SUBJECT_MODELS[subject]._default_manager.filter(pk=subject_id).exists()
        ):
            raise forms.ValidationError({"subject_id": f"No {subject} has this id."})
        return data


@admin.register(ManagedProperty)
class ManagedPropertyAdmin(admin.ModelAdmin):
    """Which staff manage which property (and so may answer its reviews)."""

    form = ManagedPropertyForm
    list_display = ["user", "subject", "subject_id"]
    list_filter = ["subject"]
    search_fields = ["user__email", "=subject_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


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
