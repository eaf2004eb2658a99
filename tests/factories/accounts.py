from datetime import UTC, datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import User

PASSWORD = "correct-horse-battery-9"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"traveler{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = "Tess"
    last_name = "Traveler"
    # Travelers book only with a verified email: the default traveler has one.
    email_verified_at = factory.LazyFunction(lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def second_factor_for(user: User):
    """A confirmed authenticator (TOTP) device for `user`; `totp_now(device)` gives its code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_now(device, *, steps_ahead: int = 0) -> str:
    """The code `device`'s authenticator app shows now (or `steps_ahead` 30-second steps on)."""
    import time

    from django_otp.oath import TOTP

    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time() + steps_ahead * device.step
    return f"{clock.token():06d}"


def log_in_verified(client, user):
    """`client` logged in as `user` with a verified second factor (what the admin needs),
    as django_otp.login leaves a session after a right code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or second_factor_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def tokens_for(user: User) -> dict[str, str]:
    """A new login session's tokens for `user`, as POST /api/auth/token answers them.

    Access tokens are refused without a live session, so tests log in this way rather than
    with simplejwt's `RefreshToken.for_user(...)`, whose tokens belong to no session."""
    from django.utils import timezone

    from accounts.tokens import session_start

    return session_start(user=user, now=timezone.now()).as_dict()


def access_token_for(user: User) -> str:
    return tokens_for(user)["access"]


def staff_in(role: str, **fields) -> User:
    """A staff member in one of accounts.roles' groups (roles_sync must have run), named
    after it unless `fields` say otherwise."""
    from django.contrib.auth.models import Group

    fields = {"username": role.lower().replace(" ", "-"), **fields}
    user = UserFactory.create(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user
