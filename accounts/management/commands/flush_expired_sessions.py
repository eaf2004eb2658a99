"""Delete login sessions whose tokens have all expired (a Zappa scheduled event, daily)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.tokens import sessions_purge_expired


class Command(BaseCommand):
    help = "Delete login sessions none of whose tokens can still be used. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = sessions_purge_expired(now=timezone.now())
        self.stdout.write(f"deleted {deleted} expired session{'s' if deleted != 1 else ''}")
