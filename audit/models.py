from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One staff action, written by the service the action called; never edited.

    The target is named by its model label and key (and a readable snapshot), not by a
    foreign key: the entry must outlive a deleted review.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_entries"
    )
    action = models.CharField(max_length=64, db_index=True)  # e.g. "booking.cancel"
    target_type = models.CharField(max_length=64)  # e.g. "bookings.booking"
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"
