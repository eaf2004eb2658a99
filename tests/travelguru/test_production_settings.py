"""Production settings: secrets from AWS at cold start, Aurora through RDS Proxy, S3, HTTPS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from travelguru.settings import aws_config

ROOT = Path(__file__).parents[2]


def _client(service: str):
    return boto3.client(
        service, region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


@pytest.fixture
def aws():
    """Real boto3 clients whose answers are stubbed (and whose requests are checked)."""
    clients = {"ssm": _client("ssm"), "secretsmanager": _client("secretsmanager")}
    stubbers = {name: Stubber(client) for name, client in clients.items()}
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers, clients.__getitem__
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()


def test_secrets_and_parameters_fill_the_environment_secret_winning(aws):
    stubbers, factory = aws
    # given: SSM holds configuration over two pages, Secrets Manager holds the secrets
    stubbers["ssm"].add_response(
        "get_parameters_by_path",
        {
            "Parameters": [
                {"Name": "/travelguru/prod/DJANGO_ALLOWED_HOSTS", "Value": "api.example"},
                {"Name": "/travelguru/prod/STRIPE_SECRET_KEY", "Value": "from-ssm"},
            ],
            "NextToken": "page-2",
        },
        {"Path": "/travelguru/prod/", "Recursive": True, "WithDecryption": True},
    )
    stubbers["ssm"].add_response(
        "get_parameters_by_path",
        {"Parameters": [{"Name": "/travelguru/prod/LOG_LEVEL", "Value": "DEBUG"}]},
        {
            "Path": "/travelguru/prod/",
            "Recursive": True,
            "WithDecryption": True,
            "NextToken": "page-2",
        },
    )
    stubbers["secretsmanager"].add_response(
        "get_secret_value",
        {"SecretString": json.dumps({"DJANGO_SECRET_KEY": "k" * 50, "STRIPE_SECRET_KEY": "sk"})},
        {"SecretId": "travelguru/prod/django"},
    )
    environ = {
        "DJANGO_SSM_PATH": "/travelguru/prod/",
        "DJANGO_SECRETS_ID": "travelguru/prod/django",
        "LOG_LEVEL": "WARNING",  # set on the function: wins over SSM
    }

    # when
    loaded = aws_config.load_into_environment(environ, factory)

    # then
    assert loaded == ["DJANGO_ALLOWED_HOSTS", "DJANGO_SECRET_KEY", "STRIPE_SECRET_KEY"]
    assert environ["DJANGO_ALLOWED_HOSTS"] == "api.example"
    assert environ["DJANGO_SECRET_KEY"] == "k" * 50
    assert environ["STRIPE_SECRET_KEY"] == "sk"  # the secret, not the plain parameter
    assert environ["LOG_LEVEL"] == "WARNING"


def test_nothing_is_asked_of_aws_when_no_secret_is_named():
    def no_aws(service: str):
        raise AssertionError(f"asked for {service}")

    environ = {"DJANGO_SECRET_KEY": "x"}

    assert aws_config.load_into_environment(environ, no_aws) == []
    assert aws_config.database_from_proxy_secret(environ, no_aws) is None
    assert environ == {"DJANGO_SECRET_KEY": "x"}


def test_a_secret_that_is_not_an_object_is_refused(aws):
    stubbers, factory = aws
    stubbers["secretsmanager"].add_response(
        "get_secret_value", {"SecretString": '"just a string"'}, {"SecretId": "s"}
    )
    environ = {"DJANGO_SECRETS_ID": "s"}

    with pytest.raises(ValueError, match="JSON object"):
        aws_config.load_into_environment(environ, factory)
    assert environ == {"DJANGO_SECRETS_ID": "s"}


def test_database_url_points_at_the_proxy_with_the_proxy_secrets_credentials(aws):
    stubbers, factory = aws
    secret = {"username": "app", "password": "p@ss/w:rd", "dbname": "travelguru", "port": 3306}
    stubbers["secretsmanager"].add_response(
        "get_secret_value",
        {"SecretString": json.dumps(secret)},
        {"SecretId": "travelguru/prod/database"},
    )
    environ = {
        "DATABASE_SECRET_ID": "travelguru/prod/database",
        "DATABASE_HOST": "tg.proxy-abc.eu-west-1.rds.amazonaws.com",
    }

    url = aws_config.database_from_proxy_secret(environ, factory)

    assert url == (
        "mysql://app:p%40ss%2Fw%3Ard@tg.proxy-abc.eu-west-1.rds.amazonaws.com:3306/travelguru"
    )


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "travelguru.settings.production",
    "DJANGO_SECRET_KEY": "production-test-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "api.travelguru.example",
    "MEDIA_BUCKET": "travelguru-prod-media",
    "STATIC_BUCKET": "travelguru-prod-static",
    "STATIC_HOST": "d111111abcdef8.cloudfront.net",
}


def _production(extra: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(PRODUCTION_ENV | extra)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_aurora_through_the_proxy_uses_pymysql_tls_no_session_sets_and_kept_connections():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "import MySQLdb; db = s.DATABASES['default'];"
        "print(json.dumps({'driver': MySQLdb.__name__, 'engine': db['ENGINE'],"
        " 'options': db['OPTIONS'],"
        " 'age': db['CONN_MAX_AGE'], 'checks': db['CONN_HEALTH_CHECKS']}))"
    )
    done = _production({"DATABASE_URL": "mysql://app:pw@proxy.example:3306/travelguru"}, code)

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["driver"] == "pymysql"
    # transactions opened by BEGIN: no SET autocommit, which the proxy has to track
    assert seen["engine"] == "travelguru.db_backends.mysql"
    assert "init_command" not in seen["options"]  # a SET would pin the proxy connection
    assert "isolation_level" not in seen["options"]
    assert seen["options"]["ssl"]["check_hostname"] is True
    assert seen["options"]["ssl"]["ca"].endswith("cacert.pem")
    assert seen["options"]["charset"] == "utf8mb4"
    assert (seen["age"], seen["checks"]) == (300, True)


def test_files_go_to_s3_and_static_urls_to_cloudfront():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "from django.templatetags.static import static;"
        "from django.core.files.storage import storages; default_storage = storages['default'];"
        "print(json.dumps({'static': static('admin/css/base.css'),"
        " 'media': type(default_storage).__name__, 'bucket': default_storage.bucket_name,"
        " 'mw': s.MIDDLEWARE}))"
    )
    done = _production({}, code)

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["static"] == "https://d111111abcdef8.cloudfront.net/static/admin/css/base.css"
    assert (seen["media"], seen["bucket"]) == ("S3Storage", "travelguru-prod-media")
    assert "whitenoise.middleware.WhiteNoiseMiddleware" not in seen["mw"]


def test_check_deploy_is_clean():
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
        | PRODUCTION_ENV,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key():
    done = _production({"DJANGO_SECRET_KEY": ""}, "import django; django.setup()")

    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_uploads_are_encrypted_with_the_media_buckets_kms_key(monkeypatch):
    # given: production's media storage options, and the bucket as storage.yaml makes it
    from moto import mock_aws
    from storages.backends.s3 import S3Storage

    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps(s.STORAGES['default']['OPTIONS']))"
    )
    done = _production({}, code)
    assert done.returncode == 0, done.stderr
    options = json.loads(done.stdout)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        key = _client("kms").create_key()["KeyMetadata"]["Arn"]
        s3 = _client("s3")
        bucket = options["bucket_name"]
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key,
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )

        # when: staff upload a hotel photo
        from django.core.files.base import ContentFile

        name = S3Storage(**options, region_name="eu-west-1").save(
            "hotels/12/front.jpg", ContentFile(b"\xff\xd8 a photo")
        )

        # then: it is encrypted with the bucket's key, as every other object there
        stored = s3.head_object(Bucket=bucket, Key=name)
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["SSEKMSKeyId"] == key


# ---- production never runs on the sandbox or without what checkout needs ----------------

CONFIG_API = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    "from travelguru.config_api import PublicConfigApi;"
    "r = PublicConfigApi().get(None);"  # what GET /api/config answers (no database here)
    "print(json.dumps({'provider': s.PAYMENT_PROVIDER, 'config': r.data}))"
)
# A deployed function's start: the app secret read from Secrets Manager (moto here).
DEPLOYED_START = (
    "import json, sys; from moto import mock_aws; mock_aws().start(); import boto3;"
    "boto3.client('secretsmanager').create_secret(Name='travelguru/prod/django',"
    " SecretString=sys.argv[1]);" + CONFIG_API
)
DEPLOYED_ENV = {
    "DJANGO_SECRETS_ID": "travelguru/prod/django",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_ENDPOINT_URL": "",
}
STRIPE = {
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
}


def _deployed(secret: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(PRODUCTION_ENV | DEPLOYED_ENV)
    del env["DJANGO_SECRET_KEY"]  # from the secret, as on Lambda
    secret = {"DJANGO_SECRET_KEY": "k" * 50, "ORIGIN_VERIFY_SECRET": "o" * 48} | secret
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", DEPLOYED_START, json.dumps(secret)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_charges_through_stripe_and_offers_travelers_no_test_cards():
    done = _production({}, CONFIG_API)

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["provider"] == "stripe"
    assert seen["config"]["payment_provider"] == "stripe"
    assert seen["config"]["sandbox_tokens"] == []


@pytest.mark.parametrize("provider", ["sandbox", "tests.reliability.providers.FlakyProvider"])
def test_production_refuses_to_start_on_any_provider_but_stripe(provider):
    done = _production({"PAYMENT_PROVIDER": provider}, "import django; django.setup()")

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert f"PAYMENT_PROVIDER={provider!r}" in done.stderr


@pytest.mark.parametrize("left_out", sorted(STRIPE))
def test_a_deployed_function_refuses_to_start_without_each_stripe_key(left_out):
    done = _deployed({k: v for k, v in STRIPE.items() if k != left_out})

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert f"{left_out} empty" in done.stderr
    assert "travelguru/prod/django" in done.stderr


@pytest.mark.parametrize("origin_secret", ["", "o" * 31])
def test_a_deployed_function_refuses_to_start_without_a_strong_origin_secret(origin_secret):
    done = _deployed(STRIPE | {"ORIGIN_VERIFY_SECRET": origin_secret})

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "ORIGIN_VERIFY_SECRET" in done.stderr
    assert "travelguru/prod/django" in done.stderr


def test_a_deployed_function_with_stripes_keys_offers_the_publishable_key():
    done = _deployed(STRIPE)

    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)["config"]
    assert config == {
        "payment_provider": "stripe",
        "stripe_publishable_key": "pk_live_x",
        "sandbox_tokens": [],
    }


def test_cloudsearch_without_its_endpoints_refuses_to_start():
    done = _production(
        {"SEARCH_BACKEND": "cloudsearch", "CLOUDSEARCH_SEARCH_ENDPOINT": "https://search-x"},
        "import django; django.setup()",
    )

    assert done.returncode != 0
    assert "CLOUDSEARCH_DOCUMENT_ENDPOINT" in done.stderr
