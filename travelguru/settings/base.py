"""Settings shared by every environment; the environment is read here and only here.

`local`, `test` and `production` import this module and only tighten or relax it. Every
integration (search engine, payment provider, storage) is picked by a setting whose
default is the local twin, so a laptop and the test suite need no AWS.
"""

from datetime import timedelta
from pathlib import Path

import environ

from travelguru.asset_headers import add_asset_headers

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Only ever used when nothing else is configured (local runs); production requires its own.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "accounts.apps.StaffAdminConfig",  # django.contrib.admin, staff need a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files from our own static files: the site's CSP allows scripts from
    # 'self' only, so the API docs cannot load them from a CDN.
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "travelguru",  # project commands; shared tables (answer versions, rate counters)
    "accounts",
    "catalog",
    "search",
    "bookings",
    "reviews",
    "analytics",
    "audit",
    "notifications",  # the outbox: every e-mail to a traveler, sent after commit, retried
    "privacy",  # personal data requests (export, erasure) across the apps; no models
    "demo",  # manage.py load_demo_data, demo_banner, demo_otp_code: demo rows for every app
]

MIDDLEWARE = [
    # A deployed stage answers only requests that came through CloudFront, and takes the
    # client IP from CloudFront's viewer address (inactive without ORIGIN_VERIFY_SECRET).
    "travelguru.origin.OriginVerifyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # CORS answers preflights before anything else can; then API headers on every answer
    # (413s and card refusals included), then the size limit before anything reads a body.
    "corsheaders.middleware.CorsMiddleware",
    "travelguru.security.ApiSecurityHeadersMiddleware",
    # Any error under /api/ leaves as problem+json, DEBUG or not (after CORS and headers).
    "travelguru.errors.ApiProblemMiddleware",
    "travelguru.security.RequestSizeLimitMiddleware",
    # JSON nested past any sane depth is refused before the card guard or DRF parse it.
    "travelguru.json_limits.JsonDepthLimitMiddleware",
    # Before anything that could store or log a body: refuse card numbers outright.
    "travelguru.cards.CardNumberGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost, so a view's OperationalError (database away) becomes 503 problem+json.
    "travelguru.errors.DatabaseUnavailableMiddleware",
]

# The secret CloudFront sends to the API as X-Origin-Verify (app secret; empty: gate off).
ORIGIN_VERIFY_SECRET = env.str("ORIGIN_VERIFY_SECRET", default="")

ROOT_URLCONF = "travelguru.urls"
WSGI_APPLICATION = "travelguru.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "travelguru" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


MYSQL_ENGINE = "travelguru.db_backends.mysql"


def database_from_url(url: str) -> dict:
    """One DATABASE_URL, with the options our MySQL/MariaDB/Aurora use needs.

    MySQL gets utf8mb4 (names and reviews in every script), strict mode (bad data is an
    error, not a silent truncation) and READ COMMITTED, which keeps inventory locks short.
    """
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.mysql":
        # Django's backend, its transactions opened by BEGIN (see the module).
        config["ENGINE"] = MYSQL_ENGINE
        config.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                # Strict mode; and a row lock not had within 3 s is an error (-> 503), not a hang.
                "init_command": ("SET sql_mode='STRICT_TRANS_TABLES', innodb_lock_wait_timeout=3"),
                "isolation_level": "read committed",
            }
        )
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run while a writer commits; IMMEDIATE takes the write lock at
        # BEGIN (no lock-upgrade deadlocks); a bounded wait instead of "database is locked".
        config.setdefault("OPTIONS", {}).update(
            {
                "timeout": 5,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
            }
        )
    # A worker thread keeps its connection between requests (a new one costs a TCP and auth
    # round trip plus the SETs above on every request); the health check replaces one the
    # server closed. Production (Lambda) keeps it longer, see production.py.
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


# Which MySQL driver: "mysqlclient" (C, the local default) or "pymysql" (pure Python: the
# Lambda package, which cannot ship a mysqlclient built against Debian's libmariadb).
DB_DRIVER = env.str("DB_DRIVER", default="mysqlclient")
if DB_DRIVER == "pymysql":
    import pymysql

    pymysql.install_as_MySQLdb()

DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'travelguru.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}

# accounts.User's Lower(email) unique constraint guards SQLite; MySQL/MariaDB cannot
# index an expression (W044) and need not: their *_ci collations already compare emails
# case-insensitively, so `email` being unique is enough (tests/accounts proves both).
SILENCED_SYSTEM_CHECKS = ["models.W044"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Staff sign in to the admin with their email, as travelers do in the API.
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrUsernameBackend"]

# Argon2id first (the OWASP recommendation); older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# At least 12 characters (OWASP ASVS 2.1.1), none of the 20,000 most common passwords, not
# only digits, not like the account's own name or email.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The languages travelers are written to in (the app's own: en, fr, es).
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploads (staff's import files) on the local disk; production stores them in S3.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"

# The traveler app (frontend/, built by Vite into frontend/dist): WhiteNoise serves its files
# at the site root (/assets/index-<hash>.js, /favicon.svg), travelguru.frontend serves its
# index.html at / and at every app route. The same build is published to S3 for CloudFront.
FRONTEND_DIST = env.path("FRONTEND_DIST", default=BASE_DIR / "frontend" / "dist")
WHITENOISE_ROOT = FRONTEND_DIST
# Vite names every asset <name>-<8-char hash>.<ext> under /assets/: cached for a year,
# immutable (a regex on the URL; Django's own hashed static names still qualify too).
WHITENOISE_ADD_HEADERS_FUNCTION = add_asset_headers
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/assets/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$|\.[0-9a-f]{12}\.\w+$"
# Origins the app may call besides its own (an API on another host: VITE_API_BASE).
FRONTEND_CONNECT_SRC = env.list("FRONTEND_CONNECT_SRC", default=[])
# `manage.py publish_frontend` uploads the build here (CloudFront's origin bucket).
FRONTEND_BUCKET = env.str("FRONTEND_BUCKET", default="")
FRONTEND_BUCKET_ENDPOINT_URL = env.str("FRONTEND_BUCKET_ENDPOINT_URL", default="") or None

REST_FRAMEWORK = {
    # JSON in UTF-8 only, read as the card-number guard reads it, bounded in depth and
    # refusing lone surrogates; a renderer that cannot fail on them (travelguru.parsers).
    "DEFAULT_RENDERER_CLASSES": ["travelguru.parsers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["travelguru.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "travelguru.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "travelguru.schema.AutoSchema",
    "EXCEPTION_HANDLER": "travelguru.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Client IP = REMOTE_ADDR, never X-Forwarded-For (the caller writes it): on a deployed
    # stage travelguru.origin sets REMOTE_ADDR from CloudFront's viewer address.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    # Per client IP (anonymous) and per traveler (logged in), counted in the shared cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "travelguru.security.AnonymousRateThrottle",
        "travelguru.security.TravelerRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "register": env.str("REGISTER_RATE", default="20/hour"),
        # Emailed links (password reset, verification): per client IP; each address has
        # its own limit too (EMAIL_LINKS_PER_ADDRESS), so no one is mailbombed from many IPs.
        "email_links": env.str("EMAIL_LINKS_RATE", default="20/hour"),
        "anon": env.str("API_ANON_RATE", default="300/minute"),
        "user": env.str("API_USER_RATE", default="600/minute"),
        "personal_data": env.str("PERSONAL_DATA_RATE", default="10/hour"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "UPDATE_LAST_LOGIN": False,  # accounts.services does it on our login
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# Refresh tokens rotate at every use and a reused one ends its session (accounts.tokens);
# a racer of the same exchange this many seconds after the winner (two tabs, a retry after
# a lost answer) gets the winner's tokens again instead. 0: any second use ends the session.
JWT_REFRESH_REUSE_GRACE_SECONDS = env.int("JWT_REFRESH_REUSE_GRACE_SECONDS", default=10)
# However often its tokens are refreshed, a login lasts at most this long: a token taken
# from a device (or a session nobody ended) does not keep an account open for ever.
JWT_SESSION_MAX_LIFETIME = timedelta(days=env.int("JWT_SESSION_MAX_DAYS", default=30))

# One cache shared by every process (failed-login counters, throttles): the database by
# default, so a laptop and Lambda need nothing more; CACHE_URL=redis://… to use Redis.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://travelguru_cache")}

# Failed logins allowed per window before 429: per account from one client IP, per client
# IP, and per account across every IP (clients that logged in to the account within
# LOGIN_KNOWN_CLIENT_DAYS are exempt from that last one); second-factor codes per account.
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=20)
LOGIN_FAILURES_PER_ACCOUNT_ALL_IPS = env.int("LOGIN_FAILURES_PER_ACCOUNT_ALL_IPS", default=20)
LOGIN_KNOWN_CLIENT_DAYS = env.int("LOGIN_KNOWN_CLIENT_DAYS", default=30)
LOGIN_OTP_FAILURES_PER_ACCOUNT = env.int("LOGIN_OTP_FAILURES_PER_ACCOUNT", default=5)

# Emailed links (accounts.registration). A password reset link works once, for an hour
# (Django's PasswordResetTokenGenerator reads PASSWORD_RESET_TIMEOUT); an email
# verification link until it is used, for a few days. Each address gets at most
# EMAIL_LINKS_PER_ADDRESS such emails an hour, whoever asks.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT", default=3 * 24 * 60 * 60)
EMAIL_LINKS_PER_ADDRESS = env.int("EMAIL_LINKS_PER_ADDRESS", default=5)
# The name authenticator apps show next to staff's TravelGuru codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="TravelGuru")

# --- HTTP hardening (travelguru/security.py) ----------------------------------------------

# The API takes small JSON bodies: anything larger is 413 before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# CORS: only the front-end's origin(s) may call /api/ from a browser. Empty (the default,
# and locally, where Django serves the front-end itself) means same-origin only.
CORS_ALLOWED_ORIGINS = env.list("FRONTEND_ORIGIN", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False  # the API uses Bearer tokens, never cookies
CORS_ALLOW_HEADERS = (
    "accept", "authorization", "content-type", "idempotency-key", "x-session-id",
)  # fmt: skip
CORS_EXPOSE_HEADERS = ("retry-after", "idempotent-replayed")
CORS_PREFLIGHT_MAX_AGE = 600

SPECTACULAR_SETTINGS = {
    "TITLE": "TravelGuru API",
    "DESCRIPTION": "Search flights, hotels and car rentals; hold, book and pay; review.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The kind of a held or booked item: one name for every field that carries it.
    "ENUM_NAME_OVERRIDES": {"ItemKindEnum": "bookings.models.ItemKind"},
}

# --- the product's own settings -------------------------------------------------------

# How far ahead travelers may search and book (airlines sell about 330 days ahead).
INVENTORY_HORIZON_DAYS = env.int("INVENTORY_HORIZON_DAYS", default=330)
# How long a search offer's id stays valid; the hold re-prices it anyway.
OFFER_TTL_SECONDS = env.int("OFFER_TTL_SECONDS", default=6 * 3600)
# How long a hold keeps inventory aside, and how many a traveler may have at once.
HOLD_TTL_SECONDS = env.int("HOLD_TTL_SECONDS", default=15 * 60)
MAX_ACTIVE_HOLDS = env.int("MAX_ACTIVE_HOLDS", default=5)
# The most a support agent may give back on one booking, per currency, refunds already made
# included ("USD=500,EUR=500"); a currency not listed: nothing without a supervisor
# (bookings.refund_any_amount). Per currency, not converted: a refund is never FX-priced.
SUPPORT_REFUND_LIMITS = env.dict(
    "SUPPORT_REFUND_LIMITS",
    default={
        "USD": "500", "EUR": "500", "GBP": "400", "CHF": "450", "CAD": "700", "AUD": "750",
        "SGD": "650", "AED": "1800", "JPY": "75000", "KRW": "650000", "INR": "40000",
    },
)  # fmt: skip
# Bayesian rating: `REVIEW_PRIOR_WEIGHT` imaginary reviews at `REVIEW_PRIOR_MEAN` stars.
REVIEW_PRIOR_MEAN = env.str("REVIEW_PRIOR_MEAN", default="3.5")
REVIEW_PRIOR_WEIGHT = env.int("REVIEW_PRIOR_WEIGHT", default=10)
# Who charges cards: "sandbox" (embedded, Stripe's test tokens) or "stripe".
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="sandbox")
# Stripe (PAYMENT_PROVIDER=stripe): secrets from the environment / Secrets Manager only.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=10)
# Public by design (it goes to the browser for Stripe Elements); GET /api/config answers it.
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
# Which search engine answers /api/*/search: "local" (database index) or "cloudsearch".
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="local")
# SEARCH_BACKEND=cloudsearch: the domain's two endpoints (https://search-… / https://doc-…).
CLOUDSEARCH_SEARCH_ENDPOINT = env.str("CLOUDSEARCH_SEARCH_ENDPOINT", default="")
CLOUDSEARCH_DOCUMENT_ENDPOINT = env.str("CLOUDSEARCH_DOCUMENT_ENDPOINT", default="")
# A scheduled search sync starts no batch after this many seconds (below the function's
# timeout_seconds in zappa_settings.json) and none later than the reserve before Lambda's
# own deadline; the resume schedule carries on from the checkpoints.
SEARCH_SYNC_BUDGET_SECONDS = env.float("SEARCH_SYNC_BUDGET_SECONDS", default=40.0)
SEARCH_SYNC_RESERVE_SECONDS = env.float("SEARCH_SYNC_RESERVE_SECONDS", default=15.0)
# CloudSearch's documented upload rate: one batch every 10 seconds.
CLOUDSEARCH_UPLOAD_INTERVAL_SECONDS = env.float("CLOUDSEARCH_UPLOAD_INTERVAL_SECONDS", default=10.0)
AWS_REGION = env.str("AWS_REGION", default="eu-west-1")
# Record traveler events (analytics.hooks); false turns recording off without a deploy.
ANALYTICS_RECORDING = env.bool("ANALYTICS_RECORDING", default=True)
# manage.py export_analytics writes date-partitioned gzip CSV + QuickSight manifests here.
ANALYTICS_BUCKET = env.str("ANALYTICS_BUCKET", default="")
ANALYTICS_PREFIX = env.str("ANALYTICS_PREFIX", default="")  # e.g. "travelguru/" (ends with /)
# Only for an S3 twin (moto, MinIO) on a laptop; empty means AWS's own endpoint.
ANALYTICS_S3_ENDPOINT_URL = env.str("ANALYTICS_S3_ENDPOINT_URL", default="")

# Every log record is masked when it is made (card numbers, credentials in URLs), whoever
# handles it: travelguru.log_masking. The filter on our own handler still holds should
# something replace the record factory.
LOGGING_CONFIG = "travelguru.log_masking.configure_logging"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_sensitive": {"()": "travelguru.log_masking.MaskingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_sensitive"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Messages to travelers (notifications). The public site's address, for links in them.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
NOTIFICATIONS_FROM_EMAIL = env.str(
    "NOTIFICATIONS_FROM_EMAIL", default="TravelGuru <trips@travelguru.test>"
)
# When a queued message is sent: "after_response" (in this process, once the response is
# written, or at once outside a request) or "zappa" (a Zappa asynchronous task on Lambda).
NOTIFICATIONS_DISPATCH = env.str("NOTIFICATIONS_DISPATCH", default="after_response")
# Locally an SMTP sink on loopback (make run starts one: scripts/mail_sink.py); production
# sends through Amazon SES with anymail.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=8025)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The SNS topics whose messages (SES bounces and complaints) are believed; none by default.
NOTIFICATIONS_SNS_TOPIC_ARNS = env.list("NOTIFICATIONS_SNS_TOPIC_ARNS", default=[])
