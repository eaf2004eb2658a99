"""Settings for the test suite: fast hashing, same engines as local."""

from travelguru.settings.base import *  # noqa: F403
from travelguru.settings.base import SECRET_KEY

SECRET_KEY = SECRET_KEY or "test-only-not-secret-" + "x" * 40
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
