"""manage.py roles_sync: bring the staff role groups in line with accounts.roles."""

from django.core.management.base import BaseCommand

from accounts.roles import roles_sync


class Command(BaseCommand):
    help = "Create the staff role groups and set their permissions from accounts.roles."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        for role, count in roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
