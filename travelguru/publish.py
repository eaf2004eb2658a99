"""Publishing the traveler app's build to the front-end S3 bucket (CloudFront's origin).

Hashed assets (Vite's `assets/<name>-<hash>.<ext>`) never change under their name, so they
are cached for a year and marked immutable; index.html names the current assets, so every
visit revalidates it (no-cache). Assets go up first and index.html last: a visitor never
receives an index naming files that are not there yet. Old assets are left in place for
pages still open on the previous version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HASHED_ASSET = re.compile(r"^assets/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$")
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
SHORT = "public, max-age=3600"  # unhashed files beside index.html (favicon.svg)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
    ".map": "application/json",
}
_API_META = re.compile(r'(<meta name="tg-api-base" content=")[^"]*(")')


def cache_control(name: str) -> str:
    if name == "index.html":
        return NO_CACHE
    return IMMUTABLE if HASHED_ASSET.match(name) else SHORT


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def index_with_api_base(html: str, api_base: str) -> str:
    """index.html telling the app where the API is (deploy-time setting, same build)."""
    if not _API_META.search(html):
        raise ValueError('index.html has no <meta name="tg-api-base"> to set')
    escaped = api_base.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return _API_META.sub(lambda m: f"{m.group(1)}{escaped}{m.group(2)}", html, count=1)


@dataclass
class PublishReport:
    bucket: str
    uploaded: list[tuple[str, str]] = field(default_factory=list)  # (name, Cache-Control)


def frontend_storage(*, bucket: str, endpoint_url: str | None, region: str):
    """django-storages' S3Storage with our per-file Cache-Control and Content-Type."""
    from storages.backends.s3 import S3Storage

    class FrontendStorage(S3Storage):
        def get_object_parameters(self, name: str) -> dict[str, str]:
            params = dict(super().get_object_parameters(name))
            params["CacheControl"] = cache_control(name)
            params["ContentType"] = content_type(name)
            return params

    return FrontendStorage(
        bucket_name=bucket,
        endpoint_url=endpoint_url,
        region_name=region,
        file_overwrite=True,
        default_acl=None,  # the bucket is private; CloudFront reads it through OAC
        querystring_auth=False,
    )


def frontend_publish(
    *, dist: Path, bucket: str, endpoint_url: str | None, region: str, api_base: str = ""
) -> PublishReport:
    """Upload every file of `dist` to `bucket`, index.html last. Raises if there is no build."""
    from django.core.files.base import ContentFile

    index = dist / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"No front-end build at {dist}: run `make frontend` first.")
    storage = frontend_storage(bucket=bucket, endpoint_url=endpoint_url, region=region)
    names = sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file())
    names = [n for n in names if n != "index.html"] + ["index.html"]
    report = PublishReport(bucket=bucket)
    for name in names:
        body = (dist / name).read_bytes()
        if name == "index.html" and api_base:
            body = index_with_api_base(body.decode(), api_base).encode()
        storage.save(name, ContentFile(body, name=name))
        report.uploaded.append((name, cache_control(name)))
    return report
