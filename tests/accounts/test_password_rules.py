"""Passwords: at least 12 characters (OWASP ASVS 2.1.1), never a common one, on every road
that sets one (the registration API and Django's own set_password forms alike)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db

REGISTER = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}


def register(api_client, password: str):
    return api_client.post("/api/auth/register", {**REGISTER, "password": password}, format="json")


def test_eleven_characters_are_refused_and_twelve_accepted(api_client):
    short = register(api_client, "Quartz-Hero")

    assert short.status_code == 400
    assert short["Content-Type"] == "application/problem+json"
    assert any("at least 12 characters" in m for m in short.json()["errors"]["password"])
    assert not User.objects.exists()
    assert register(api_client, "Quartz-Heron").status_code == 202


@given(password=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=11))
def test_no_password_shorter_than_twelve_passes(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=User(email="a@example.com", username="a"))

    assert "password_too_short" in {e.code for e in refused.value.error_list}


@pytest.mark.parametrize(
    "password", ["password1234", "qwertyuiop123", "qwerty123456", "administrator"]
)
def test_common_passwords_of_twelve_or_more_are_refused(api_client, password):
    # Django's list of 20,000 common passwords holds these; length alone would let them in.
    response = register(api_client, password)

    assert_problem(response, 400, "validation-error")
    assert any("too common" in m for m in response.json()["errors"]["password"])
    assert not User.objects.exists()


def test_the_api_schema_states_the_rule(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    hint = schema["components"]["schemas"]["RegisterInputRequest"]["properties"]["password"]
    assert "At least 12 characters" in hint["description"]
