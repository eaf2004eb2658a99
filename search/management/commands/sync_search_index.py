"""Refresh the search index (a Zappa scheduled event runs this in production)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.services.indexing import DEFAULT_BATCH_SIZE, sync_index


class Command(BaseCommand):
    help = "Send changed airports, cities, hotels and rental offices to the search engine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Re-send every document")
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--budget-seconds",
            type=float,
            default=None,
            help="Start no batch after this many seconds; the next run resumes (default: none)",
        )
        parser.add_argument(
            "--resume-only",
            action="store_true",
            help="Only carry on passes an earlier run could not finish",
        )

    def handle(self, *args, **options) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        budget = options["budget_seconds"]
        if budget is not None and budget < 0:
            raise CommandError("--budget-seconds must not be negative")
        report = sync_index(
            full=options["full"],
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
            progress=True,
            budget_seconds=budget,
            resume_only=options["resume_only"],
        )
        self.stdout.write(report.summary())
