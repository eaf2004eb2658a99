"""request_user: the typed way views reach the logged-in traveler."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from accounts.authentication import request_user
from tests.factories.accounts import UserFactory


def test_logged_in_request_gives_its_user(db):
    user = UserFactory.create()
    request = RequestFactory().get("/api/me")
    request.user = user

    assert request_user(request) == user


def test_anonymous_request_is_refused_not_served():
    # A view wired without its login check must not act for nobody.
    request = RequestFactory().get("/api/me")
    request.user = AnonymousUser()

    with pytest.raises(PermissionDenied):
        request_user(request)
