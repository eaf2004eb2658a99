"""manage.py publish_frontend: upload the traveler app's build to the front-end bucket."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from travelguru.publish import IMMUTABLE, frontend_publish


class Command(BaseCommand):
    help = (
        "Upload frontend/dist to the S3 bucket CloudFront serves (FRONTEND_BUCKET): hashed "
        "assets cached for a year (immutable), index.html revalidated on every visit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bucket", default=settings.FRONTEND_BUCKET, help="S3 bucket")
        parser.add_argument("--dist", default=str(settings.FRONTEND_DIST), help="The build")
        parser.add_argument(
            "--api-base",
            default="",
            help="Where the app finds the API, e.g. https://api.example.com/api "
            "(default: the build's VITE_API_BASE, else same-origin /api)",
        )

    def handle(self, *args, **options):
        bucket = options["bucket"]
        if not bucket:
            raise CommandError("Set FRONTEND_BUCKET (or pass --bucket).")
        try:
            report = frontend_publish(
                dist=Path(options["dist"]),
                bucket=bucket,
                endpoint_url=settings.FRONTEND_BUCKET_ENDPOINT_URL,
                region=settings.AWS_REGION,
                api_base=options["api_base"],
            )
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        immutable = sum(1 for _, cache in report.uploaded if cache == IMMUTABLE)
        self.stdout.write(
            f"Uploaded {len(report.uploaded)} files to s3://{report.bucket} "
            f"({immutable} hashed assets immutable for a year; index.html no-cache)."
        )
