"""Settings for the test suite: fast hashing, same engines as local."""

from travelguru.settings.base import *  # noqa: F403
from travelguru.settings.base import SECRET_KEY

SECRET_KEY = SECRET_KEY or "test-only-not-secret-" + "x" * 40
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False

# The global per-IP and per-user throttles are off so query-count and crowd tests measure
# the endpoints; tests/security switches them on (the rates are read when DRF loads).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
        "anon": None,
        "user": None,
    },
}
