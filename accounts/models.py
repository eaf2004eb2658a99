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
