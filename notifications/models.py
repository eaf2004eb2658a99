from django.conf import settings
from django.db import models


class MessageStatus(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one sender; others leave it alone
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS, or refused by the provider for good
    SUPPRESSED = "suppressed"  # the address bounced or complained: never sent to again


class Message(models.Model):
    """One e-mail to one address. Queued with its kind, language and context; rendered by
    its first send, which stores what it sends: staff see exactly what was sent.

    Other apps link it to their rows by foreign keys given as strings (the booking); this
    app imports none of them, callers pass a plain context to render.
    """

    to_email = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    booking = models.ForeignKey(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    kind = models.CharField(max_length=32, db_index=True)
    language = models.CharField(max_length=8)
    # What the kind's templates are rendered with (notifications.context): rendering is
    # templates and a calendar file, too slow for the request that queues the message.
    context = models.JSONField(default=dict, blank=True)
    # The kind's one-time credentials (`Kind.secrets`: a password reset link), apart from
    # the context: merged into it by each send, which renders such a message anew (its
    # stored render shows them masked), and emptied as the send ends (sent, failed,
    # suppressed). A database read, a backup or staff's view holds no link still usable
    # once the message is sent.
    secrets = models.JSONField(default=dict, blank=True)
    # Set by the first send, from the context; empty until `rendered_at`.
    subject = models.CharField(max_length=255, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    # Built with the bodies: [{"filename", "mimetype", "content"}] (text attachments only,
    # e.g. a calendar file), so a resend or a retry sends the same bytes.
    attachments = models.JSONField(default=list, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    provider_message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a sender claimed the row: a claim older than any send can take is abandoned.
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # A resend: the message it copies, who asked and why (also in the audit trail).
    resent_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages_resent",
    )
    resend_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The retry job's scan: pending rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
            models.Index(fields=["to_email"], name="message_to_email_idx"),
        ]
        permissions = [("resend_message", "Can resend a message to a traveler")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"


class SuppressedAddress(models.Model):
    """An address the provider told us bounced for good or complained: nothing more is sent
    to it (a send to it ends as `suppressed`). Kept by address, lower-cased."""

    email = models.EmailField(max_length=254, unique=True)
    reason = models.CharField(max_length=16)  # bounce | complaint
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "suppressed addresses"

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"
