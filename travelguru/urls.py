from functools import cache
from importlib import import_module

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from accounts.views import admin_login
from travelguru.api_root import ApiRootApi
from travelguru.config_api import PublicConfigApi
from travelguru.frontend import APP_ROUTES, spa
from travelguru.health import healthz


def _lazy_view(dotted: str, **initkwargs: object):
    """The class-based view `dotted`, imported at its first request, not at cold start.

    drf_spectacular.views pulls in the whole schema generator (tens of ms of a Lambda's
    cold start) for two pages nobody on the traveler's path asks for.
    """
    module, name = dotted.rsplit(".", 1)

    @cache
    def resolved():
        return getattr(import_module(module), name).as_view(**initkwargs)

    @csrf_exempt  # as the APIView itself is
    def view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return resolved()(request, *args, **kwargs)

    view.resolve = resolved  # type: ignore[attr-defined]  # as LazyApiView.resolve: for the test
    return view


api_patterns = [
    path("", ApiRootApi.as_view(), name="api-root"),
    path("config", PublicConfigApi.as_view(), name="public-config"),
    path("", include("search.urls")),
    path("", include("accounts.urls")),
    path("", include("privacy.urls")),  # /api/me: the account (accounts') and its erasure
    path("", include("bookings.urls")),
    path("", include("reviews.urls")),
    path("", include("notifications.urls")),  # SES's bounces and complaints, through SNS
    path("schema/", _lazy_view("drf_spectacular.views.SpectacularAPIView"), name="schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file (?script), not inline: the
        # site's CSP has no 'unsafe-inline' for scripts.
        _lazy_view("drf_spectacular.views.SpectacularSwaggerSplitView", url_name="schema"),
        name="docs",
    ),
]

urlpatterns = [
    path("", spa, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/", include(api_patterns)),
    path("admin/login/", admin_login, name="admin-login"),  # failed-login limits
    path("admin/", admin.site.urls),
    # The traveler app's own routes (deep links, reloads): its index.html.
    re_path(rf"^(?P<path>(?:{'|'.join(APP_ROUTES)})(?:/.*)?)$", spa, name="app"),
]

handler400 = "travelguru.errors.bad_request_view"
handler404 = "travelguru.errors.not_found_view"
handler500 = "travelguru.errors.server_error_view"
