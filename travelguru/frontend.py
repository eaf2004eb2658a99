"""Serving the traveler app (frontend/, a static single-page app) from Django.

WhiteNoise serves the build's files at the site root (hashed /assets/… cached for a year);
this view answers `index.html` at / and at every route the app owns (/flights, /hotels/12,
/trips/TG-…), so deep links and reloads work, with a Content-Security-Policy the app
satisfies: no inline script or style, scripts from our origin only (plus Stripe.js when the
Stripe provider is configured), API calls to our origin (plus FRONTEND_CONNECT_SRC).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

# The first path segment of every route the app has (frontend/src/main.ts): only these
# fall back to index.html, so /api/, /admin/, /static/ and /healthz keep their own 404s.
APP_ROUTES = (
    "flights", "hotels", "cars", "signin", "signup", "basket", "checkout", "trips",
    "check-email", "verify-email", "forgot-password", "reset-password",
)  # fmt: skip
STRIPE_JS = "https://js.stripe.com"
STRIPE_API = "https://api.stripe.com"


def content_security_policy() -> str:
    stripe = settings.PAYMENT_PROVIDER == "stripe"
    script = ["'self'", *([STRIPE_JS] if stripe else [])]
    connect = ["'self'", *settings.FRONTEND_CONNECT_SRC, *([STRIPE_API] if stripe else [])]
    frames = [STRIPE_JS, "https://hooks.stripe.com"] if stripe else ["'none'"]
    directives = {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": connect,
        "frame-src": frames,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def index_path() -> Path:
    return Path(settings.FRONTEND_DIST) / "index.html"


@require_safe
def spa(request: HttpRequest, path: str = "") -> HttpResponse:
    """The app's index.html (never cached: it names the current hashed assets)."""
    try:
        html = index_path().read_bytes()
    except FileNotFoundError:
        return _not_built(request)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = content_security_policy()
    response["Referrer-Policy"] = "same-origin"
    return response


def _not_built(request: HttpRequest) -> HttpResponse:
    """Without a build (`make run` builds it) the API is still all there: say where."""
    day = timezone.now().date() + timedelta(days=14)
    context = {"sample_date": day, "sample_checkout": day + timedelta(days=3)}
    return render(request, "home.html", context)
