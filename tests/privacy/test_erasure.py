"""Erasing a traveler: no trace of them in any column of any table, while the bookings,
payments, refunds and audit trail the business must keep are all still there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from accounts.models import LoginSession, User
from audit.models import AuditEntry
from bookings.models import Booking, BookingItem, Payment, Refund, Traveler
from reviews.models import Review
from tests.factories.accounts import UserFactory, log_in_verified, tokens_for
from tests.factories.offers import hotel_offer
from tests.factories.trips import review_for
from tests.flows import book, make_hold

pytestmark = pytest.mark.django_db

# What identifies the person: searched for, case-insensitively, in every stored value.
NEEDLES = ["philippa", "quexington", "pquex", "hamish", "1988-02-29", "1990-07-14"]
TRAVELERS = [
    {"first_name": "Philippa", "last_name": "Quexington", "type": "adult",
     "birth_date": "1988-02-29"},
    {"first_name": "Hamish", "last_name": "Quexington", "type": "adult",
     "birth_date": "1990-07-14"},
]  # fmt: skip


def stored_values() -> list[tuple[str, str]]:
    """(table.column, value) for every non-empty value of every table, read through the
    database's own catalogue (a table no model knows of is searched too)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            # Names from introspection, no values: nothing to inject.
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", errors="replace")
                    if value is not None:
                        found.append((f"{table}.{column}", str(value)))
    return found


def traces(values: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(where, v) for where, v in values if any(n in v.lower() for n in NEEDLES)]


def records() -> dict[str, int]:
    """What the business keeps for its accounts, counted."""
    models: dict[str, Any] = {"bookings": Booking, "payments": Payment, "refunds": Refund,
              "travelers": Traveler, "audit": AuditEntry}  # fmt: skip
    return {name: model.objects.count() for name, model in models.items()}


def staff_in(role: str, username: str) -> User:
    user = UserFactory.create(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def over(booking_reference: str) -> None:
    """The trip happened: it is in the past."""
    now = timezone.now()
    BookingItem.objects.filter(booking__reference=booking_reference).update(
        service_start=now - timedelta(days=5), service_end=now - timedelta(days=2)
    )
    Booking.objects.filter(reference=booking_reference).update(created_at=now - timedelta(days=6))


@pytest.fixture
def philippa(room_type, day):
    """A traveler with everything a traveler leaves behind: two trips booked through the
    API (one over and reviewed, one cancelled by a support agent who wrote her name in the
    reason, and a note about her), logins, an admin edit of her account and a staff export
    of her data."""
    from privacy.services import user_export

    roles.roles_sync()
    person = UserFactory.create(username="pquex", email="Philippa.Quexington@example.org",
                         first_name="Philippa", last_name="Quexington")  # fmt: skip
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(person)['access']}")
    tokens_for(person)  # a second device
    trip = book(api, make_hold(api, hotel_offer(room_type, day, 1)), travelers=TRAVELERS).json()
    over(trip["reference"])
    review_for(Booking.objects.get(reference=trip["reference"]),
               title="Philippa's weekend", text="Hamish and I loved it. Philippa Q.")  # fmt: skip
    second = book(api, make_hold(api, hotel_offer(room_type, day + timedelta(days=1), 1)),
                  travelers=TRAVELERS[:1]).json()  # fmt: skip
    support = log_in_verified(Client(), staff_in(roles.SUPPORT_AGENT, "sue"))
    support.post(reverse("admin:bookings_booking_changelist"), {
        "action": "cancel_and_refund", "_selected_action": [Booking.objects.get(
            reference=second["reference"]).pk], "post": "yes",
        "reason": "Philippa Quexington phoned: her plans changed"})  # fmt: skip
    # an internal note naming her (free text: the erasure deletes it)
    noted = Booking.objects.get(reference=trip["reference"])
    note = {"text": "Philippa Quexington called twice"}
    assert (
        support.post(reverse("admin:bookings_booking_note", args=[noted.pk]), note).status_code
        == 302
    )
    boss = staff_in(roles.ADMIN, "boss")
    LogEntry.objects.log_actions(user_id=boss.pk, queryset=[person], action_flag=CHANGE,
                                 change_message="Changed last_name.")  # fmt: skip
    user_export(user=person, actor=boss, now=timezone.now())
    return person, api, boss


def test_after_erasure_no_column_of_any_table_holds_anything_about_the_traveler(philippa):
    # given: her data is all over the database
    person, api, boss = philippa
    before = traces(stored_values())
    kept = records()
    tables = {where.split(".")[0] for where, _ in before}
    assert {"accounts_user", "bookings_traveler", "reviews_review", "audit_auditentry",
            "bookings_idempotencyrecord", "django_admin_log",
            "bookings_bookingnote"} <= tables  # fmt: skip

    # when: an admin erases her from the admin
    admin = log_in_verified(Client(), boss)
    done = admin.post(reverse("admin:accounts_user_changelist"), {
        "action": "erase_personal_data", "_selected_action": [person.pk], "post": "yes",
        "reason": "Philippa asked by email"}, follow=True)  # fmt: skip

    # then: nothing identifies her anywhere
    assert "Erased 1 traveler(s)." in done.content.decode()
    assert traces(stored_values()) == []
    # and the business's records are all kept, linked to an anonymous account
    assert records() == {**kept, "audit": kept["audit"] + 1}
    erased = User.objects.get(pk=person.pk)
    assert erased.erased_at is not None
    assert not erased.is_active
    assert not erased.has_usable_password()
    assert set(Booking.objects.values_list("user", flat=True)) == {person.pk}
    assert not Review.objects.exists()
    entry = AuditEntry.objects.get(action="user.erase")
    assert (entry.actor, entry.reason) == (boss, "(erased) asked by email")
    assert entry.details["bookings_kept"] == 2
    # and every login of hers has ended: her tokens stop at once
    assert set(LoginSession.objects.values_list("end_reason", flat=True)) == {"erased"}
    assert api.get("/api/me").status_code == 401


def test_a_traveler_with_a_trip_still_to_come_is_not_erased_and_keeps_everything(room_type, day):
    from privacy.errors import ErasureBlocked
    from privacy.services import user_erase

    person = UserFactory.create(first_name="Philippa", last_name="Quexington")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(person)['access']}")
    trip = book(api, make_hold(api, hotel_offer(room_type, day, 1)), travelers=TRAVELERS).json()
    before = traces(stored_values())

    with pytest.raises(ErasureBlocked, match=f"trips not over yet \\({trip['reference']}\\)"):
        user_erase(user=person, actor=person, now=timezone.now())

    assert traces(stored_values()) == before
    assert api.get("/api/me").status_code == 200


def test_staff_accounts_are_not_erased():
    from privacy.errors import ErasureBlocked
    from privacy.services import user_erase

    staff = UserFactory.create(is_staff=True, first_name="Philippa")

    with pytest.raises(ErasureBlocked, match="deactivated, not erased"):
        user_erase(user=staff, actor=staff, now=timezone.now())

    staff.refresh_from_db()
    assert staff.first_name == "Philippa"


@pytest.mark.mariadb
def test_the_erasure_decides_under_the_user_s_row_lock_that_hold_create_takes_too(philippa):
    """No trip can start between the check that none is coming and the erasure."""
    from django.test.utils import CaptureQueriesContext

    from privacy.services import user_erase

    person, _, boss = philippa

    with CaptureQueriesContext(connection) as queries:
        user_erase(user=person, actor=boss, now=timezone.now())

    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, q in enumerate(sql) if q.rstrip().endswith("FOR UPDATE"))
    checks = [i for i, q in enumerate(sql) if "bookings_hold" in q or "bookings_bookingitem" in q]
    assert "accounts_user" in sql[lock]
    assert checks
    assert lock < checks[0]


def test_an_erased_account_starts_no_trip_even_with_a_request_authenticated_before(room_type, day):
    from bookings.errors import AccountClosed
    from bookings.models import Hold
    from bookings.services.holds import hold_create
    from privacy.services import user_erase
    from search.offers import offer_decode

    person = UserFactory.create()
    user_erase(user=person, actor=person, now=timezone.now())

    with pytest.raises(AccountClosed):
        hold_create(user=person, offers=[offer_decode(hotel_offer(room_type, day, 1))],
                    now=timezone.now())  # fmt: skip

    assert not Hold.objects.exists()
