"""Trip reminders (72 h before the first item) and invitations to review after the trip."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings.services.messages import review_invitations_queue, trip_reminders_queue


class Command(BaseCommand):
    help = "Queue trip reminders and review invitations that are due; once per booking/item."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        reminded = trip_reminders_queue(now=now)
        invited = review_invitations_queue(now=now)
        self.stdout.write(f"reminded {reminded} booking(s), invited {invited} to review")
