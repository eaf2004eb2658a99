"""The admin's login page, behind the same failed-login limits as the API's."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.errors import TooManyLoginAttempts
from accounts.services import login_failure_record, login_failures_check, login_success_record


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def admin_login(request: HttpRequest, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
    """Django's admin login, counted per account+IP and per IP (accounts.services).

    Staff accounts are the most valuable to guess, so their page must not be the way
    around the API's limits. Locked: 429 with Retry-After, the password is not checked.
    """
    if request.method != "POST":
        return admin.site.login(request, **kwargs)
    from rest_framework.throttling import BaseThrottle

    ip = BaseThrottle().get_ident(request)  # the API's client-IP rule (NUM_PROXIES)
    identifier = request.POST.get("username", "")[:254]
    try:
        login_failures_check(ip=ip, identifier=identifier)
    except TooManyLoginAttempts as exc:
        response = HttpResponse(exc.detail, status=429, content_type="text/plain")
        response["Retry-After"] = exc.headers["Retry-After"]
        return response
    response = admin.site.login(request, **kwargs)
    if response.status_code == 302 and request.user.is_authenticated:
        login_success_record(ip=ip, identifier=identifier)
    else:
        login_failure_record(ip=ip, identifier=identifier)
    return response
