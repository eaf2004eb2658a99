"""Travelers log in by email, so one email (in any letter case) is one account."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

pytestmark = pytest.mark.django_db


def test_email_is_unique_whatever_the_letter_case():
    User = get_user_model()
    User.objects.create_user(username="ana", email="Ana@Example.com", password="x-12345678")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ana2", email="ana@example.COM", password="x-12345678")

    assert User.objects.filter(email__iexact="ana@example.com").count() == 1
