"""Give expired holds' inventory back (a Zappa scheduled event runs this every minute)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings.services.holds import hold_expire_due


class Command(BaseCommand):
    help = "Return the inventory of holds past their expiry. Idempotent; safe to overlap."

    def handle(self, *args: Any, **options: Any) -> None:
        ended = hold_expire_due(now=timezone.now())
        self.stdout.write(f"released {ended} expired hold{'s' if ended != 1 else ''}")
