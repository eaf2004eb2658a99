from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.views import admin_login
from travelguru.api_root import ApiRootApi
from travelguru.config_api import PublicConfigApi
from travelguru.frontend import APP_ROUTES, spa
from travelguru.health import healthz

api_patterns = [
    path("", ApiRootApi.as_view(), name="api-root"),
    path("config", PublicConfigApi.as_view(), name="public-config"),
    path("", include("search.urls")),
    path("", include("accounts.urls")),
    path("", include("bookings.urls")),
    path("", include("reviews.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
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
