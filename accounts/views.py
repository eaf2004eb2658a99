"""The admin's login page, behind the same failed-login limits as the API's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.admin_site import client_ip, too_many_attempts_page
from accounts.errors import TooManyLoginAttempts
from accounts.services import login_attempt_begin, login_attempt_failed, login_attempt_succeeded


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def admin_login(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Django's admin login, under the API's failed-login limits (accounts.services).

    Staff accounts are the most valuable to guess, so their page must not be the way
    around the API's limits. Locked: 429 with Retry-After, the password is not checked.
    A right password is not yet a login: the second factor comes next (admin_site).
    """
    if request.method != "POST":
        return admin.site.login(request, **kwargs)
    ip, now = client_ip(request), timezone.now()
    identifier = request.POST.get("username", "")[:254]
    try:
        attempt = login_attempt_begin(ip=ip, identifier=identifier, now=now)
    except TooManyLoginAttempts as exc:
        return too_many_attempts_page(admin.site, request, exc)
    response = admin.site.login(request, **kwargs)
    if response.status_code == 302 and request.user.is_authenticated:
        login_attempt_succeeded(attempt, now=now, complete=False)
    else:
        login_attempt_failed(attempt, now=now)
    return response
