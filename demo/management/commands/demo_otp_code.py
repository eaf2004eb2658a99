"""manage.py demo_otp_code: the demo staff member's current second-factor code.

For trying the admin without an authenticator app. It reads only the demo device that
load_demo_data made (demo.users), never a device someone set up themselves.
"""

from django.core.management.base import BaseCommand, CommandError

from demo.users import demo_staff_second_factor


class Command(BaseCommand):
    help = "Print the demo staff member's current authenticator code (demo data only)."

    def handle(self, *args, **options) -> None:
        from base64 import b32decode

        from django_otp.oath import totp

        found = demo_staff_second_factor()
        if found is None:
            raise CommandError("No demo authenticator: run `manage.py load_demo_data` first.")
        _, secret, _ = found
        self.stdout.write(f"{totp(b32decode(secret)):06d}")
