"""The embedded default: SQLite under var/, local search, everything on one laptop."""

from travelguru.settings.base import *  # noqa: F403
from travelguru.settings.base import SECRET_KEY, VAR_DIR, env

VAR_DIR.mkdir(exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A fixed key is fine on a laptop: nothing it signs leaves the machine.
SECRET_KEY = SECRET_KEY or "local-only-not-secret-" + "x" * 40
