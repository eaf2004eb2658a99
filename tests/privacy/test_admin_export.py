"""Support agents export a traveler's data from the admin: a JSON download, audited."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import roles
from audit.models import AuditEntry
from tests.factories.accounts import UserFactory, log_in_verified
from tests.factories.offers import hotel_offer
from tests.factories.trips import trip_for

pytestmark = pytest.mark.django_db


def test_a_support_agent_downloads_everything_held_about_one_traveler(room_type, day):
    # given
    roles.roles_sync()
    person = UserFactory.create(email="ines@example.org", first_name="Ines", last_name="Arroyo")
    booking = trip_for(person, hotel_offer(room_type, day, 1))
    agent = UserFactory.create(username="sue", is_staff=True)
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    client = log_in_verified(Client(), agent)
    url = reverse("admin:accounts_user_changelist")

    # when
    response = client.post(url, {"action": "export_personal_data",
                                 "_selected_action": [person.pk]})  # fmt: skip

    # then
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-{person.pk}.json"'
    )
    document = json.loads(response.content)
    assert document["account"]["email"] == "ines@example.org"
    assert [b["reference"] for b in document["bookings"]] == [booking.reference]
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (agent, "user.export", str(person.pk))


def test_the_erase_action_is_not_offered_to_a_support_agent(room_type, day):
    roles.roles_sync()
    person = UserFactory.create()
    agent = UserFactory.create(username="sue", is_staff=True)
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    client = log_in_verified(Client(), agent)

    client.post(reverse("admin:accounts_user_changelist"),
                {"action": "erase_personal_data", "_selected_action": [person.pk],
                 "post": "yes", "reason": "asked"})  # fmt: skip

    person.refresh_from_db()
    assert person.erased_at is None
    assert not AuditEntry.objects.exists()


def test_a_support_agent_does_not_export_a_colleague():
    roles.roles_sync()
    colleague = UserFactory.create(username="boss", is_staff=True)
    agent = UserFactory.create(username="sue", is_staff=True)
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    client = log_in_verified(Client(), agent)

    response = client.post(reverse("admin:accounts_user_changelist"),
                           {"action": "export_personal_data",
                            "_selected_action": [colleague.pk]}, follow=True)  # fmt: skip

    assert "Staff accounts are exported by an admin." in response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.exists()
