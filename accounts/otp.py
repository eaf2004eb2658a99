"""Staff's second factor: a TOTP authenticator app (django-otp), with recovery codes.

A staff session is *verified* once a code from one of the user's confirmed devices was
accepted in it (django_otp.login keeps the device's id in the session); the admin site
(accounts.admin_site) lets no unverified session in. django-otp checks each code against
one device in a transaction with the device row locked, refuses a TOTP code of a time step
already used (no replay), deletes a recovery code when it is used, and slows a device down
after failures; accounts.services adds the login limits that answer 429.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpRequest

if TYPE_CHECKING:
    from django_otp.models import Device
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

RECOVERY_CODES = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def session_verified_device(request: HttpRequest) -> Device | None:
    """The confirmed device of request.user that verified this session, if any."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.models import Device

    user = request.user
    if not user.is_authenticated:
        return None
    cached = getattr(request, "_verified_device", False)
    if cached is not False:
        return cached
    device = None
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if persistent_id:
        found = Device.from_persistent_id(persistent_id)
        if found is not None and found.user_id == user.pk and found.confirmed:
            device = found
    request._verified_device = device  # type: ignore[attr-defined]
    return device


def user_has_second_factor(user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    found: bool = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return found


def enrolment_device(user: User) -> TOTPDevice:
    """The user's authenticator being set up: the same secret until it is confirmed, so a
    reload does not invalidate the QR code already scanned."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app's "enter a key" field wants it."""
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def qr_svg(data: str) -> str:
    """`data` as an inline SVG QR code (no Pillow: qrcode's SVG path factory)."""
    from io import BytesIO

    import qrcode
    import qrcode.image.svg

    out = BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # inline in HTML: without the XML declaration


@transaction.atomic
def recovery_codes_replace(user: User, *, name: str = RECOVERY_NAME) -> list[str]:
    """A new set of single-use recovery codes for `user` (the old set stops working)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    StaticDevice.objects.filter(user=user).delete()
    device: StaticDevice = StaticDevice.objects.create(user=user, name=name, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def code_verify(user: User, code: str) -> Device | None:
    """The confirmed device of `user` that accepts `code` (each tried once, in its own
    locked transaction), or None. A 6-digit code goes to the authenticator, anything else
    to the recovery codes, so a guess costs one device's throttle, not all of them."""
    from django_otp import devices_for_user, verify_token

    code = "".join(code.split()).lower()
    if not code or len(code) > 16:
        return None
    wants_totp = code.isdigit()
    for device in devices_for_user(user, confirmed=True):
        is_totp = device.__class__.__name__ == "TOTPDevice"
        if is_totp == wants_totp:
            verified = verify_token(user, device.persistent_id, code)
            if verified is not None:
                return verified
    return None
