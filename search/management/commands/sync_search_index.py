"""Refresh the search index (a Zappa scheduled event runs this in production)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.services.indexing import DEFAULT_BATCH_SIZE, sync_index


class Command(BaseCommand):
    help = "Send changed airports, cities, hotels and rental offices to the search engine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Re-send every document")
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        report = sync_index(
            full=options["full"],
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
            progress=True,
        )
        self.stdout.write(report.summary())
