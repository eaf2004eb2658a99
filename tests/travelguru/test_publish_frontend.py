"""manage.py publish_frontend against moto's S3 server on loopback (real boto3 calls)."""

from io import StringIO

import boto3
import pytest
from django.core.management import CommandError, call_command

from travelguru.publish import cache_control

INDEX = (
    '<!doctype html><html><head><meta name="tg-api-base" content="" />'
    '<script type="module" src="/assets/index-CSIJ6gNp.js"></script>'
    '<link rel="stylesheet" href="/assets/index-phStr0eI.css"></head><body></body></html>'
)


@pytest.fixture
def bucket(moto_s3_endpoint, aws_test_credentials, settings, request):
    name = f"tg-frontend-{request.node.name[-30:].lower().replace('_', '-').strip('-')}"
    settings.FRONTEND_BUCKET = name
    settings.FRONTEND_BUCKET_ENDPOINT_URL = moto_s3_endpoint
    settings.AWS_REGION = "eu-west-1"
    client = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="eu-west-1")
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return client, name


@pytest.fixture
def dist(tmp_path, settings):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-CSIJ6gNp.js").write_text("console.log('app')")
    (tmp_path / "assets" / "index-phStr0eI.css").write_text("body{margin:0}")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    settings.FRONTEND_DIST = tmp_path
    return tmp_path


def test_hashed_assets_are_immutable_for_a_year_and_index_is_never_cached(bucket, dist):
    client, name = bucket
    out = StringIO()
    call_command("publish_frontend", stdout=out)
    assert out.getvalue().strip() == (
        f"Uploaded 4 files to s3://{name} (2 hashed assets immutable for a year; "
        "index.html no-cache)."
    )
    expected = {
        "assets/index-CSIJ6gNp.js": (
            "public, max-age=31536000, immutable", "text/javascript; charset=utf-8"
        ),
        "assets/index-phStr0eI.css": (
            "public, max-age=31536000, immutable", "text/css; charset=utf-8"
        ),
        "favicon.svg": ("public, max-age=3600", "image/svg+xml"),
        "index.html": ("no-cache", "text/html; charset=utf-8"),
    }  # fmt: skip
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"])
    assert keys == sorted(expected)
    for key, (cache, content_type) in expected.items():
        head = client.head_object(Bucket=name, Key=key)
        assert (head["CacheControl"], head["ContentType"]) == (cache, content_type), key
    body = client.get_object(Bucket=name, Key="assets/index-CSIJ6gNp.js")["Body"].read()
    assert body == b"console.log('app')"
    index = client.get_object(Bucket=name, Key="index.html")["Body"].read().decode()
    assert index == INDEX  # without --api-base the build's own setting stands


def test_api_base_is_set_in_the_published_index_only(bucket, dist):
    client, name = bucket
    call_command("publish_frontend", "--api-base", "https://api.travelguru.example/api")
    index = client.get_object(Bucket=name, Key="index.html")["Body"].read().decode()
    assert '<meta name="tg-api-base" content="https://api.travelguru.example/api" />' in index
    assert (dist / "index.html").read_text() == INDEX  # the local build is untouched


def test_republishing_overwrites_in_place(bucket, dist):
    client, name = bucket
    call_command("publish_frontend", stdout=StringIO())
    (dist / "index.html").write_text(INDEX.replace("<body>", "<body>v2"))
    call_command("publish_frontend", stdout=StringIO())
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
    assert len(keys) == 4  # no index_AbCdEf.html duplicates
    index = client.get_object(Bucket=name, Key="index.html")["Body"].read()
    assert b"<body>v2" in index


def test_without_a_build_nothing_is_uploaded(bucket, settings, tmp_path):
    client, name = bucket
    settings.FRONTEND_DIST = tmp_path / "missing"
    with pytest.raises(CommandError, match="No front-end build"):
        call_command("publish_frontend")
    assert client.list_objects_v2(Bucket=name)["KeyCount"] == 0


def test_without_a_bucket_it_says_what_to_set(settings, dist):
    settings.FRONTEND_BUCKET = ""
    with pytest.raises(CommandError, match="Set FRONTEND_BUCKET"):
        call_command("publish_frontend")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "no-cache"),
        ("assets/index-CSIJ6gNp.js", "public, max-age=31536000, immutable"),
        ("assets/logo-a1B2c3D_.svg", "public, max-age=31536000, immutable"),
        ("assets/logo.svg", "public, max-age=3600"),
        ("favicon.svg", "public, max-age=3600"),
        ("assets/sub/index.html", "public, max-age=3600"),
    ],
)
def test_only_hashed_assets_are_cached_forever(name, expected):
    assert cache_control(name) == expected
