from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower


def validate_time_zone(value: str) -> None:
    from zoneinfo import available_timezones

    if value and value not in available_timezones():
        raise ValidationError(f"{value} is not a time zone name (e.g. Europe/Paris).")


class User(AbstractUser):
    """A traveler or a staff member. Email is unique (case-insensitively) and logs in."""

    email = models.EmailField(unique=True)
    # Set when the person's data was erased (privacy.services.user_erase): the row stays so
    # that bookings and payments keep their accounting, and says nothing about anyone.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A staff member's clock (an IANA name): the admin's booking timeline reads instants in
    # it, with their offset. Blank: UTC.
    # A Python default, not db_default: a database default makes Django create the table
    # with parameters and defer its constraints, and the case-insensitive email constraint
    # (unsupported on MariaDB, skipped in migrations) then becomes an empty statement when
    # the test database is built from the models.
    time_zone = models.CharField(
        max_length=64, blank=True, default="", validators=[validate_time_zone]
    )
    # When the traveler opened the link sent to `email` (or reset the password by one): the
    # mailbox is theirs. Until then they may search and hold, not book (accounts.registration).
    email_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        # A traveler's personal data requests, from the admin (accounts.roles).
        permissions = [
            ("export_user", "Can export everything held about a traveler"),
            ("erase_user", "Can erase a traveler's personal data"),
        ]

    def __str__(self) -> str:
        return self.email or self.username


class SessionEndReason(models.TextChoices):
    LOGOUT = "logout", "Logged out"
    REUSE = "reuse", "A rotated refresh token was used again"
    STAFF = "staff", "Ended by staff"
    ERASED = "erased", "The account's personal data was erased"
    PASSWORD_RESET = "reset", "The password was reset by an emailed link"


class LoginSession(models.Model):
    """One login on one device: the family of refresh tokens rotated from it.

    A refresh token carries its session's id and generation. Exchanging the token of the
    current generation moves the row to the next one with a conditional UPDATE, so one
    exchange wins however many race; presenting an older generation is reuse (a stolen
    token, or the traveler's own after the thief's), which ends the session for both.
    Access tokens carry the session id too, and authentication reads this row joined with
    the user in its one query, so an ended session stops access at once.

    `credentials` is the user's password-derived session hash at login (Django's
    `get_session_auth_hash`, as its own sessions keep): however a password is set, the
    admin's form, `changepassword` or `set_password` anywhere, it no longer matches, and
    every session of that user ends without each road having to remember to end them.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    created_at = models.DateTimeField()
    generation = models.PositiveIntegerField(default=0)
    # When the current generation's tokens were issued: their iat, and the start of the
    # grace window in which a racer of the same exchange is handed the same tokens.
    rotated_at = models.DateTimeField(db_index=True)
    credentials = models.CharField(max_length=128)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=SessionEndReason.choices, blank=True)

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"
