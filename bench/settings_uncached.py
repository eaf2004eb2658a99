"""The bench's gunicorn for the *uncached* search rows: local settings, no search answers
kept in memory (travelguru.results_cache), so every request runs the search (the version is
still read, as on a miss)."""

from travelguru.settings.local import *  # noqa: F403

SEARCH_RESULTS_CACHE_SIZE = 0
