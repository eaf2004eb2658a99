"""Only CloudFront may reach the deployed API, and the client IP is the one CloudFront saw.

The regional API Gateway stage answers anyone who finds its name, and Zappa sets
`REMOTE_ADDR` from `X-Forwarded-For`, a header the caller writes: called directly, a
forged header would choose the key of every per-IP throttle and login lockout. CloudFront
therefore adds a secret header (`X-Origin-Verify`) on its way to the API, and this
middleware, first in the chain, refuses any request without it before sessions, CSRF,
authentication or a view see it. Past that gate the request has come through CloudFront,
so `CloudFront-Viewer-Address` (which CloudFront sets itself, from the connection, never
from the viewer's headers) is the client: `REMOTE_ADDR` is set from it here, the one place
every per-IP rule (DRF's `get_ident`, the login and admin limits) reads through.

Active only when `ORIGIN_VERIFY_SECRET` is set (a deployed stage); elsewhere Django drops
it from the chain, so local runs and tests pay nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

ORIGIN_HEADER = "HTTP_X_ORIGIN_VERIFY"
VIEWER_HEADER = "HTTP_CLOUDFRONT_VIEWER_ADDRESS"


def viewer_ip(value: str) -> str | None:
    """The IP of CloudFront's `ip:port` (IPv6 unbracketed: the last colon ends the address)."""
    address, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit():
        return None
    address = address.removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _refused(detail: str) -> HttpResponse:
    from travelguru.errors import _json_problem

    return _json_problem(403, "Forbidden", detail, "origin-not-verified")


class OriginVerifyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        secret = getattr(settings, "ORIGIN_VERIFY_SECRET", "")
        if not secret:
            raise MiddlewareNotUsed
        self.secret = secret.encode()
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Popped, so nothing later (error reports, logs of META) can ever repeat the secret.
        given = request.META.pop(ORIGIN_HEADER, "")
        # Headers reach WSGI as latin-1 strings; encoding that way keeps every byte and
        # never raises, and compare_digest takes as long for a near miss as for nonsense.
        if not hmac.compare_digest(given.encode("latin-1", "replace"), self.secret):
            return _refused("This API answers only through the site's own address.")
        ip = viewer_ip(request.META.get(VIEWER_HEADER, ""))
        if ip is None:
            # Through CloudFront the header is always there (the origin request policy asks
            # for it); without it no trustworthy IP exists, and guessing one from
            # X-Forwarded-For would hand the throttle key back to the caller.
            return _refused("The request carries no viewer address from the edge.")
        request.META["REMOTE_ADDR"] = ip
        return self.get_response(request)
