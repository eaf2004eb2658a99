"""manage.py demo_banner: where everything is, printed by `make run` before it serves."""

import os
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from demo.users import (
    DEFAULT_PASSWORD,
    DEMO_STAFF,
    STAFF_EMAIL,
    TRAVELER_EMAIL,
    demo_staff_second_factor,
)


class Command(BaseCommand):
    help = "Print the local URLs and the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **options) -> None:
        base = f"http://{options['host']}:{options['port']}"
        password = (
            "(the DEMO_PASSWORD you set)" if os.environ.get("DEMO_PASSWORD") else DEFAULT_PASSWORD
        )
        day = (timezone.now() + timedelta(days=14)).date().isoformat()
        lines = [
            "",
            "TravelGuru is starting:",
            f"  front-end     {base}/",
            f"  API           {base}/api/",
            f"  API docs      {base}/api/docs/   (OpenAPI schema: {base}/api/schema/)",
            f"  admin         {base}/admin/",
            f"  health        {base}/healthz",
            "",
            f"  demo staff    {STAFF_EMAIL} / {password}   (role: {DEMO_STAFF[0][3]})",
            *self._second_factor_lines(),
            "  other roles   the same password and the same authenticator entry:",
            *(
                f"                {email} / {password}   (role: {role})"
                for email, _, _, role in DEMO_STAFF[1:]
            ),
            f"  demo traveler {TRAVELER_EMAIL} / {password}",
            "",
            "  try:",
            f"  curl '{base}/api/flights/search?origin=JFK&destination=LHR&date={day}'",
            "",
        ]
        self.stdout.write("\n".join(lines))

    def _second_factor_lines(self) -> list[str]:
        """What the demo staff member's second factor needs: demo-only secrets that
        load_demo_data made at random for this database (demo.users)."""
        found = demo_staff_second_factor()
        if found is None:
            return ["                (second factor: the authenticator they set up)"]
        uri, secret, codes = found
        lines = [
            "                not a superuser (the Admin role); the admin also asks for",
            "                a code: add this to an authenticator app (or type the key in it)",
            f"                {uri}",
            f"                key {secret}",
            "                code now: .venv/bin/python manage.py demo_otp_code",
        ]
        if codes:
            shown = ", ".join(codes[:3])
            lines.append(f"                or a recovery code (each works once): {shown}")
        return lines
