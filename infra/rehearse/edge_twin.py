"""The edge twin: CloudFront's part of a request, in front of the Lambda twin.

What infra/edge.yaml asks CloudFront to do, on loopback over plain HTTP:
- `/api/*`, `/admin/*` and `/healthz` go to the API origin: the viewer's own
  `X-Origin-Verify` and `CloudFront-*` headers are dropped, the origin secret from the app
  secret is added (as the distribution's OriginCustomHeaders read it), with
  `CloudFront-Viewer-Address` from the connection and the viewer's address appended to
  `X-Forwarded-For`; API Gateway's REST proxy event is built and the function invoked.
- Everything else is the front-end bucket: a path without a file extension is the
  single-page app's `/index.html` (the viewer-request function's rewrite).

Not modelled: caching, the web ACL, TLS, compression (see the rehearsal's "not proven" list).
"""

from __future__ import annotations

import base64
import json
import posixpath
import threading
import uuid
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.rehearse.events import api_gateway_event

API_PREFIXES = ("/api/", "/admin/")
API_PATHS = ("/healthz", "/api", "/admin")
# CloudFront writes these itself; a viewer's own copy never reaches the origin.
EDGE_OWNED = ("x-origin-verify", "cloudfront-", "x-amz-cf-", "via", "x-forwarded-proto",
              "x-forwarded-port", "host")  # fmt: skip
EDGE_IP = "130.176.0.1"  # an address from CloudFront's published origin-facing ranges


def goes_to_api(path: str) -> bool:
    return path in API_PATHS or path.startswith(API_PREFIXES)


def origin_headers(
    viewer: Mapping[str, str], *, secret: str, viewer_address: tuple[str, int], api_host: str
) -> dict[str, str]:
    """The headers the API origin receives for a viewer's request."""
    kept = {k: v for k, v in viewer.items() if not k.lower().startswith(EDGE_OWNED)}
    forwarded = next((v for k, v in kept.items() if k.lower() == "x-forwarded-for"), "")
    kept = {k: v for k, v in kept.items() if k.lower() != "x-forwarded-for"}
    ip, port = viewer_address
    chain = [part.strip() for part in forwarded.split(",") if part.strip()] + [ip, EDGE_IP]
    return kept | {
        "Host": api_host,
        "X-Origin-Verify": secret,
        "CloudFront-Viewer-Address": f"{ip}:{port}",
        "CloudFront-Forwarded-Proto": "https",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": ", ".join(chain),
        "Via": "2.0 rehearsal.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": "rehearsal-" + uuid.uuid4().hex,
    }


def frontend_key(path: str) -> str:
    """The bucket key for a front-end path: the app's index.html for deep links."""
    last = posixpath.basename(path)
    if path in ("", "/") or "." not in last:
        return "index.html"
    return path.lstrip("/")


class EdgeTwin:
    def __init__(
        self,
        *,
        invoke: Callable[[dict], dict],
        origin_secret: Callable[[], str],
        frontend_object: Callable[[str], tuple[bytes, str] | None],
        api_host: str,
        stage: str,
    ) -> None:
        self.invoke = invoke
        self.origin_secret = origin_secret
        self.frontend_object = frontend_object
        self.api_host = api_host
        self.stage = stage

    def start(self) -> str:
        twin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = twin.handle(
                    self.command, self.path, dict(self.headers.items()), body,
                    self.client_address,
                )  # fmt: skip
                self.send_response(status)
                for key, values in headers.items():
                    for value in values:
                        if key.lower() not in ("content-length", "connection"):
                            self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        self.server.shutdown()

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes,
        client: tuple[str, int],
    ) -> tuple[int, dict[str, list[str]], bytes]:  # fmt: skip
        split = urlsplit(raw_path)
        if not goes_to_api(split.path):
            found = self.frontend_object(frontend_key(split.path))
            if found is None:
                return 404, {"Content-Type": ["text/plain"]}, b"Not Found"
            data, content_type = found
            return 200, {"Content-Type": [content_type]}, data
        try:
            text, is_base64 = (body.decode(), False) if body else (None, False)
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(body).decode(), True
        event = api_gateway_event(
            method,
            split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=origin_headers(
                headers,
                secret=self.origin_secret(),
                viewer_address=client,
                api_host=self.api_host,
            ),  # fmt: skip
            body=text,
            is_base64=is_base64,
            stage=self.stage,
            source_ip=EDGE_IP,
        )
        reply = self.invoke(event)
        if "statusCode" not in reply:  # a function error: API Gateway's own 502
            return 502, {"Content-Type": ["application/json"]}, json.dumps(reply).encode()
        out: dict[str, list[str]] = {}
        for key, value in (reply.get("headers") or {}).items():
            out.setdefault(key, []).append(value)
        for key, values in (reply.get("multiValueHeaders") or {}).items():
            out[key] = list(values)
        payload = reply.get("body") or ""
        data = base64.b64decode(payload) if reply.get("isBase64Encoded") else payload.encode()
        return int(reply["statusCode"]), out, data
