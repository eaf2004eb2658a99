"""Tell travelers who left the checkout that their hold is about to expire (every minute)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings.services.messages import holds_expiring_warn


class Command(BaseCommand):
    help = "Queue 'hold expiring' for holds near their end with no payment tried; once per hold."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"warned {holds_expiring_warn(now=timezone.now())} hold(s)")
