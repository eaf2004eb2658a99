"""manage.py load_demo_data: the demo catalog, deterministic for a seed."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.analytics import load_demo_history
from demo.loader import catalog_is_empty, load_demo, wipe_catalog
from demo.reviews import load_demo_reviews
from demo.users import ensure_demo_users
from travelguru.results_cache import results_changed_now

MAX_DAYS = 330


class Command(BaseCommand):
    help = "Load real airports and cities with generated flights, hotels and cars."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="Multiplies hotels and flights")
        parser.add_argument("--seed", type=int, default=42, help="Same seed, same catalog")
        parser.add_argument("--days", type=int, default=120, help="Inventory days from today")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true", help="Skip if a catalog exists")
        mode.add_argument(
            "--replace",
            action="store_true",
            help="Delete the catalog (and every hold, booking and review) first",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        scale, days = options["scale"], options["days"]
        if not 1 <= scale <= 100:
            raise CommandError("--scale must be between 1 and 100")
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}")
        if not catalog_is_empty():
            if options["if_empty"]:
                ensure_demo_users()
                self.stdout.write("Demo data: the catalog is already loaded; left as it is.")
                return
            if not options["replace"]:
                raise CommandError(
                    "The catalog is not empty. Use --replace to reload it or --if-empty to skip."
                )
            wipe_catalog()
        report = load_demo(
            scale=scale, seed=options["seed"], days=days, progress=not options["no_progress"]
        )
        reviews = load_demo_reviews(seed=options["seed"], now=timezone.now())
        events = load_demo_history(seed=options["seed"], now=timezone.now())
        results_changed_now()  # cached search answers were made of the old catalog
        self.stdout.write(f"Demo data loaded (scale {scale}, seed {options['seed']}, {days} days):")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"  approved reviews of past demo trips: {reviews:,}")
        self.stdout.write(f"  analytics events of the last 120 days: {events:,}")
