"""Production (Lambda behind API Gateway, Aurora through RDS Proxy, S3): only tightens base.

Configuration arrives as environment names (zappa_settings.json `aws_environment_variables`);
values come from Secrets Manager / SSM, read once per cold start before base reads the
environment. Nothing secret is in zappa_settings.json or in the package.
"""

import copy
import os

from travelguru.settings import aws_config

# Before base: base reads the environment exactly once, and it must see the secrets.
aws_config.load_into_environment(os.environ)
if _proxy_url := aws_config.database_from_proxy_secret(os.environ):
    os.environ["DATABASE_URL"] = _proxy_url
# The Lambda package has no mysqlclient (it would need Debian's libmariadb); PyMySQL is
# pure Python. Base installs it as MySQLdb when DB_DRIVER=pymysql.
os.environ.setdefault("DB_DRIVER", "pymysql")

from travelguru.settings.base import *  # noqa: E402, F403
from travelguru.settings.base import DATABASES, MYSQL_ENGINE, env  # noqa: E402

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # required: no default in production
if not SECRET_KEY:  # set but empty: refuse to start, rather than at the first signed token
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY is empty; production needs a secret key.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- database: Aurora MySQL Serverless v2 through RDS Proxy ----------------------------
# A copy: base's dicts are shared with every settings module that imported them.
DATABASES = copy.deepcopy(DATABASES)
_db = DATABASES["default"]
if _db["ENGINE"] == MYSQL_ENGINE:
    options = _db.setdefault("OPTIONS", {})
    # Any SET a client sends pins its proxy connection to one database connection for its
    # whole life, which defeats the proxy's multiplexing. sql_mode, the lock wait and READ
    # COMMITTED are therefore the cluster's defaults (infra/database.yaml parameter group),
    # and the app sends no SET at all on Aurora.
    if env.bool("DATABASE_SETTINGS_FROM_CLUSTER", default=True):
        options.pop("init_command", None)
        options.pop("isolation_level", None)
    # The proxy requires TLS; its certificate chains to Amazon's root CAs (in certifi).
    if env.bool("DATABASE_TLS", default=True):
        import certifi

        options["ssl"] = {"ca": certifi.where(), "check_hostname": True}
    options["connect_timeout"] = 5
# One Lambda instance serves one request at a time and is frozen in between, so a
# connection kept for 5 minutes serves every request of a warm instance without a new TLS
# handshake and costs the proxy only an idle client connection (the proxy
# multiplexes them onto few database connections; its idle-client timeout is 15 minutes,
# longer than this). Health checks replace a connection the proxy closed during a freeze
# instead of failing the request.
_db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
_db["CONN_HEALTH_CHECKS"] = True

# --- files: S3 through django-storages ------------------------------------------------
# Static files are collected into their bucket at deploy time and served by CloudFront
# (/static/*); media (uploads) go to a private bucket and are served by signed URLs.
AWS_S3_REGION_NAME = env.str("AWS_REGION", default="eu-west-1")
STATIC_HOST = env.str("STATIC_HOST", default="")  # the CloudFront domain
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("MEDIA_BUCKET"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # No ServerSideEncryption here: the bucket's default (KMS, the stage's data key,
            # infra/storage.yaml) applies; a per-object AES256 would override it.
        },
    },
    "staticfiles": {
        "BACKEND": "storages.backends.s3.S3StaticStorage",
        "OPTIONS": {
            "bucket_name": env.str("STATIC_BUCKET"),
            "location": "static",
            "default_acl": None,
            "querystring_auth": False,
            "custom_domain": STATIC_HOST or None,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    },
}
STATIC_URL = f"https://{STATIC_HOST}/static/" if STATIC_HOST else "/static/"
# Static files live in S3; nothing for whitenoise to serve on Lambda.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# --- transport and cookies -------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- integrations: production never runs on the local twins by accident ------------------
from django.core.exceptions import ImproperlyConfigured  # noqa: E402


def _refuse(message: str) -> None:
    raise ImproperlyConfigured(f"production settings: {message}")


# The sandbox accepts Stripe's published test tokens as payment, and /api/config then
# offers those test cards to travelers: production charges through Stripe only (a dev
# stage uses Stripe's test-mode keys, not the sandbox). Stripe is therefore the default
# here, and anything else refuses to start.
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="stripe")
if PAYMENT_PROVIDER != "stripe":
    _refuse(
        f"PAYMENT_PROVIDER={PAYMENT_PROVIDER!r}: only 'stripe' takes real payments "
        "(use Stripe's test-mode keys for a non-live stage)"
    )
# A deployed function reads its secrets from Secrets Manager (DJANGO_SECRETS_ID): there,
# Stripe's keys must all be present, or checkout breaks for every traveler. Production
# settings loaded from a plain environment (CI's `check --deploy`, an operator inspecting
# them) are not serving payments, so only the provider rule above applies to them.
_STRIPE_KEYS = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY")
_missing = [name for name in _STRIPE_KEYS if not env.str(name, default="")]
if os.environ.get("DJANGO_SECRETS_ID") and _missing:
    _refuse(
        f"PAYMENT_PROVIDER=stripe but {', '.join(_missing)} empty: put "
        f"{'it' if len(_missing) == 1 else 'them'} into the app secret "
        f"({os.environ['DJANGO_SECRETS_ID']})"
    )
# Only CloudFront may reach a deployed API (travelguru/origin.py): without the shared
# secret the gate is off, anyone may call the regional stage directly, and X-Forwarded-For
# (which the caller writes) would pick the key of every per-IP limit. Long enough that
# guessing it through the WAF is hopeless; random, as the deploy command generates it.
_ORIGIN_SECRET_MIN = 32
if os.environ.get("DJANGO_SECRETS_ID") and len(ORIGIN_VERIFY_SECRET) < _ORIGIN_SECRET_MIN:  # noqa: F405
    _refuse(
        f"ORIGIN_VERIFY_SECRET {'empty' if not ORIGIN_VERIFY_SECRET else 'too short'}: put "  # noqa: F405
        f"{_ORIGIN_SECRET_MIN}+ random characters into the app secret "
        f"({os.environ['DJANGO_SECRETS_ID']}); CloudFront sends the same value"
    )
# CloudSearch without its endpoints fails every search; say so at start, not per request.
if SEARCH_BACKEND == "cloudsearch" and not (  # noqa: F405
    CLOUDSEARCH_SEARCH_ENDPOINT and CLOUDSEARCH_DOCUMENT_ENDPOINT  # noqa: F405
):
    _refuse(
        "SEARCH_BACKEND=cloudsearch needs CLOUDSEARCH_SEARCH_ENDPOINT and "
        "CLOUDSEARCH_DOCUMENT_ENDPOINT (SSM, from `aws cloudsearch describe-domains`)"
    )

# --- messages to travelers --------------------------------------------------------------
# Amazon SES through anymail (SESv2 with the function's role; the region is Lambda's), each
# send a Zappa asynchronous task: the request that queued a message never waits on SES.
# SITE_URL and NOTIFICATIONS_FROM_EMAIL come from the stage's parameters (DJANGO_SSM_PATH).
EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
NOTIFICATIONS_DISPATCH = "zappa"
