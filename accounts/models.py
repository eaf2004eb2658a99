from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A traveler or a staff member. Email is unique (case-insensitively) and logs in."""

    email = models.EmailField(unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email or self.username


class RateCounter(models.Model):
    """One client's request count in its current window, for the API throttles.

    A row per throttle key (`throttle_<scope>_<client ip or user id>`), shared by every
    process through the database; `accounts.services.rate_hit` counts with one UPDATE.
    """

    # `key` is a reserved word in MySQL: the column is named so that rate_hit's SQL needs no
    # vendor quoting.
    key = models.CharField(max_length=191, primary_key=True, db_column="throttle_key")
    window_ends = models.DateTimeField(db_index=True)
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} until {self.window_ends:%H:%M:%S}"
