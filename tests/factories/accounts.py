import factory
from factory.django import DjangoModelFactory

from accounts.models import User

PASSWORD = "correct-horse-battery-9"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"traveler{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = "Tess"
    last_name = "Traveler"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.save()


def tokens_for(user: User) -> dict[str, str]:
    """A new login session's tokens for `user`, as POST /api/auth/token answers them.

    Access tokens are refused without a live session, so tests log in this way rather than
    with simplejwt's `RefreshToken.for_user(...)`, whose tokens belong to no session."""
    from django.utils import timezone

    from accounts.tokens import session_start

    return session_start(user=user, now=timezone.now()).as_dict()


def access_token_for(user: User) -> str:
    return tokens_for(user)["access"]
