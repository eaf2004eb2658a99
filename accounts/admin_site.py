"""The admin site: staff need their password *and* a second factor for every page.

Django's own login form checks the password and logs the user in; until a code from their
authenticator (or a recovery code) is accepted in that session, `has_permission` is false,
so every admin page, action, download and the dashboard send them to the second-factor
step (the admin's own `admin_view` guard, nothing to forget per page). Staff without an
authenticator set one up there on their first login. Both steps count their failures
(accounts.services), so neither passwords nor 6-digit codes can be guessed at speed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.forms import UsernameField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.authentication import request_user
from accounts.errors import TooManyLoginAttempts


def client_ip(request: HttpRequest) -> str:
    """The API's client-IP rule (REMOTE_ADDR unless NUM_PROXIES says otherwise)."""
    from rest_framework.throttling import BaseThrottle

    # get_ident reads only the META a Django request has too.
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def too_many_attempts_page(
    site: admin.AdminSite, request: HttpRequest, exc: TooManyLoginAttempts
) -> HttpResponse:
    """429 with Retry-After, as an admin page that says how long to wait."""
    context = {
        **site.each_context(request),
        "available_apps": [],
        "title": "Too many failed attempts",
        "message": exc.detail,
    }
    response = TemplateResponse(request, "admin/accounts/too_many_attempts.html", context)
    response.status_code = 429
    response["Retry-After"] = exc.headers["Retry-After"]
    return response


class StaffLoginForm(AdminAuthenticationForm):
    """Django's admin login form asking for the email (the username still works)."""

    username = UsernameField(
        label="Email",
        max_length=254,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "email"}
        ),
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the email and password of a staff account. The password is "
            "case-sensitive."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # AuthenticationForm resizes the field to the model's username; an email is longer.
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = 254


class StaffAdminSite(admin.AdminSite):
    site_header = "TravelGuru administration"
    site_title = "TravelGuru admin"
    login_form = StaffLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        from accounts.otp import session_verified_device

        return super().has_permission(request) and session_verified_device(request) is not None

    def _needs_second_factor(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_authenticated and user.is_active and user.is_staff) and not (
            self.has_permission(request)
        )

    def _next(self, request: HttpRequest) -> str:
        wanted = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return wanted
        return reverse("admin:index", current_app=self.name)

    def _second_factor_redirect(self, request: HttpRequest) -> HttpResponseRedirect:
        from urllib.parse import urlencode

        url = reverse("admin:second_factor", current_app=self.name)
        return HttpResponseRedirect(f"{url}?{urlencode({'next': self._next(request)})}")

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's login; a staff member whose password was right goes on to the second
        factor (kept out of every page until then)."""
        if request.method == "GET" and self._needs_second_factor(request):
            return self._second_factor_redirect(request)
        response = super().login(request, extra_context)
        if response.status_code == 302 and self._needs_second_factor(request):
            return self._second_factor_redirect(request)
        return response

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            path("second-factor/", self.second_factor, name="second_factor"),
            path("second-factor/enrol/", self.second_factor_enrol, name="second_factor_enrol"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        # Not verified yet: the page must not list the apps the user cannot open.
        return {**self.each_context(request), "available_apps": [], "next": self._next(request),
                **extra}  # fmt: skip

    def _pending_or_redirect(self, request: HttpRequest) -> HttpResponse | None:
        """A redirect for whoever should not be on a second-factor page, else None."""
        if not request.user.is_authenticated or not request.user.is_staff:
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        if self.has_permission(request):
            return HttpResponseRedirect(self._next(request))
        if request.method == "POST" and request.POST.get("action") == "logout":
            logout(request)
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        return None

    def _check_code(self, request: HttpRequest, code: str, *, enrolling: Any = None) -> Any:
        """The device that accepted `code` (counted by the login limits), or None.
        Raises TooManyLoginAttempts when the account or the client is locked."""
        from accounts import otp
        from accounts.services import otp_attempt_begin, otp_attempt_failed, otp_attempt_succeeded

        ip, user, now = client_ip(request), request_user(request), timezone.now()
        otp_attempt_begin(ip=ip, user=user, now=now)
        if enrolling is not None:
            from django_otp import verify_token

            code = "".join(code.split())
            device = verify_token(user, enrolling.persistent_id, code) if code.isdigit() else None
        else:
            device = otp.code_verify(user, code)
        if device is None:
            otp_attempt_failed(ip=ip, user=user, now=now)
        else:
            otp_attempt_succeeded(ip=ip, user=user)
        return device

    def _verified(self, request: HttpRequest, device: Any) -> None:
        import django_otp

        request.session.cycle_key()  # a new session id for the new privilege
        django_otp.login(request, device)
        request._verified_device = device  # type: ignore[attr-defined]

    @method_decorator(sensitive_post_parameters("code"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def second_factor(self, request: HttpRequest) -> HttpResponse:
        """The code from the authenticator app, or one of the recovery codes."""
        from accounts.otp import user_has_second_factor

        redirect = self._pending_or_redirect(request)
        if redirect is not None:
            return redirect
        if not user_has_second_factor(request_user(request)):
            url = reverse("admin:second_factor_enrol", current_app=self.name)
            return HttpResponseRedirect(f"{url}?{request.GET.urlencode()}")
        error = ""
        if request.method == "POST":
            try:
                device = self._check_code(request, request.POST.get("code", "")[:64])
            except TooManyLoginAttempts as exc:
                return too_many_attempts_page(self, request, exc)
            if device is not None:
                self._verified(request, device)
                return HttpResponseRedirect(self._next(request))
            error = "That code is not right (or was already used). Try the current one."
        context = self._context(request, title="Second factor", error=error)
        return TemplateResponse(request, "admin/accounts/second_factor.html", context)

    @method_decorator(sensitive_post_parameters("code"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def second_factor_enrol(self, request: HttpRequest) -> HttpResponse:
        """First login of a staff member: set up the authenticator app (QR code or key),
        confirm it with a first code, then see the recovery codes, once."""
        from accounts import otp

        redirect = self._pending_or_redirect(request)
        if redirect is not None:
            return redirect
        if otp.user_has_second_factor(request_user(request)):  # set up already: a code is needed
            url = reverse("admin:second_factor", current_app=self.name)
            return HttpResponseRedirect(f"{url}?{request.GET.urlencode()}")
        device = otp.enrolment_device(request_user(request))
        error = ""
        if request.method == "POST":
            try:
                verified = self._check_code(
                    request, request.POST.get("code", "")[:64], enrolling=device
                )
            except TooManyLoginAttempts as exc:
                return too_many_attempts_page(self, request, exc)
            if verified is not None:
                device.refresh_from_db()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = otp.recovery_codes_replace(request_user(request))
                self._verified(request, device)
                context = self._context(request, title="Your recovery codes", codes=codes)
                return TemplateResponse(request, "admin/accounts/recovery_codes.html", context)
            error = "That code is not right. Check the app shows TravelGuru's current code."
        context = self._context(
            request,
            title="Set up your second factor",
            error=error,
            qr=otp.qr_svg(device.config_url),
            secret=otp.totp_secret_base32(device),
        )
        return TemplateResponse(request, "admin/accounts/second_factor_enrol.html", context)
