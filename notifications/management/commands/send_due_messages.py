"""Send the messages that are due: first sends lost with their process, retries after a
provider outage (exponential backoff). A Zappa scheduled event runs it every 2 minutes."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.services import messages_send_due


class Command(BaseCommand):
    help = "Send pending messages whose next attempt is due. Safe to overlap: rows are claimed."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = messages_send_due(now=timezone.now())
        self.stdout.write(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none due")
