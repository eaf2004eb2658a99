"""The embedded default: SQLite under var/, local search, everything on one laptop.

`make run` is the product as people try it, sometimes on an address others can reach, so it
runs like production where it matters: DEBUG off (debug pages echo request bodies and the
settings), and a signing key of its own (the key signs tokens and offers; a key printed in
the repository would let anyone mint a staff token). Debug pages are one variable away for
`manage.py runserver`: DJANGO_DEBUG=true.
"""

import os
import secrets
from pathlib import Path

from travelguru.settings.base import *  # noqa: F403
from travelguru.settings.base import SECRET_KEY, VAR_DIR, env

VAR_DIR.mkdir(exist_ok=True)


def local_secret_key(path: Path) -> str:
    """The key kept in `path`, made on first use: random, readable by its owner only.

    Two processes starting at once (gunicorn's workers, `migrate` beside them) agree: the
    file is created exclusively and whoever loses the race reads the winner's key.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the winner may not have written it yet
            key = path.read_text().strip()
            if key:
                return key
            import time

            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty: delete it to make a new key") from None
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = SECRET_KEY or local_secret_key(VAR_DIR / "secret_key")
