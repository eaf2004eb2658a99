"""Refund charges that have no booking; settle timed-out payments. Safe to run any time."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings.services.reconcile import payments_reconcile


class Command(BaseCommand):
    help = "Find charges without bookings and refund them; report what was done."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(payments_reconcile(now=timezone.now()).summary())
