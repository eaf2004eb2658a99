"""Staff read what a traveler was sent and resend it with a reason, which is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import roles
from audit.models import AuditEntry
from notifications.models import Message
from tests.factories.accounts import UserFactory, log_in_verified
from tests.factories.offers import hotel_offer
from tests.factories.trips import trip_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_agent():
    roles.roles_sync()
    agent = UserFactory.create(username="agent", is_staff=True)
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    return log_in_verified(Client(), agent), agent


@pytest.fixture
def confirmation(traveler, room_type, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = trip_for(traveler, hotel_offer(room_type, day, 1))
    return Message.objects.get(booking=booking)


def test_support_agent_sees_the_message_on_the_user_and_booking_pages(support_agent, confirmation):
    client, _agent = support_agent
    # when they open the traveler's and the booking's pages and the message itself
    user_page = client.get(reverse("admin:accounts_user_change", args=[confirmation.user_id]))
    booking_page = client.get(
        reverse("admin:bookings_booking_change", args=[confirmation.booking_id])
    )
    message_page = client.get(reverse("admin:notifications_message_change", args=[confirmation.pk]))
    # then each lists it, and its page shows the text exactly as sent
    for page in (user_page, booking_page):
        assert page.status_code == 200
        assert confirmation.subject in page.content.decode()
    assert message_page.status_code == 200
    body = message_page.content.decode()
    assert confirmation.booking.reference in body
    assert f"{confirmation.booking.reference}.ics" in body


def test_resend_needs_a_reason_and_is_audited(support_agent, confirmation):
    client, agent = support_agent
    url = reverse("admin:notifications_message_changelist")
    form = {"action": "resend_messages", "_selected_action": [confirmation.pk], "post": "yes"}
    mail.outbox.clear()

    # when the agent resends without a reason, nothing is queued
    response = client.post(url, {**form, "reason": "  "})
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    assert Message.objects.count() == 1

    # when they give one
    response = client.post(url, {**form, "reason": "traveler lost the first one"})

    # then a copy is queued, and the audit trail says who and why
    assert response.status_code == 302
    copy = Message.objects.exclude(pk=confirmation.pk).get()
    assert (copy.subject, copy.text_body, copy.html_body, copy.attachments) == (
        confirmation.subject, confirmation.text_body, confirmation.html_body,
        confirmation.attachments,
    )  # fmt: skip
    assert (copy.resent_from, copy.resent_by, copy.resend_reason) == (
        confirmation, agent, "traveler lost the first one",
    )  # fmt: skip
    entry = AuditEntry.objects.get(action="message.resend")
    assert (entry.actor, entry.target_id, entry.reason) == (
        agent, str(confirmation.pk), "traveler lost the first one",
    )  # fmt: skip


def test_a_password_reset_is_not_resent_and_the_agent_is_told_why(support_agent):
    from django.utils import timezone

    from accounts.registration import password_reset_request
    from notifications.services import ONE_TIME_LINK_SHOWN, message_send

    client, _agent = support_agent
    UserFactory.create(email="lost@example.com")
    password_reset_request(email="lost@example.com", language="en", now=timezone.now())
    reset = Message.objects.get(kind="password_reset")
    message_send(reset.pk)
    url = reverse("admin:notifications_message_changelist")
    form = {"action": "resend_messages", "_selected_action": [reset.pk], "post": "yes"}

    response = client.post(url, {**form, "reason": "traveler lost it"}, follow=True)

    assert response.status_code == 200
    assert "one-time link" in response.content.decode()
    assert Message.objects.filter(kind="password_reset").count() == 1
    page = client.get(reverse("admin:notifications_message_change", args=[reset.pk]))
    assert ONE_TIME_LINK_SHOWN in page.content.decode()
