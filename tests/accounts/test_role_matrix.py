"""What each staff role reaches in the admin: every page and every action, role by role.

The pages and actions are read from the admin's registry (every registered model's
changelist, add, change, delete and history pages, each ModelAdmin's own URLs, each app's
index, every action the admin offers a superuser), so a new model or action is in the
matrix without a change here. What each role is *meant* to reach is written below by
hand, apart from accounts.roles, so the test is not the code checked against itself: a
role reaches a page when INTENT says so and a superuser reaches it (read-only pages stay
closed to everyone), and answers 403 (or the admin's 404 for an app index) otherwise.
A new model with no row in `one_of_each` fails the test until it is given one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from reviews.models import SUB_SCORES, ManagedProperty
from tests.factories.accounts import UserFactory, log_in_verified, tokens_for
from tests.factories.analytics import EventFactory
from tests.factories.catalog import AmenityFactory, CarDayFactory, FlightFareFactory
from tests.factories.offers import hotel_offer
from tests.factories.trips import review_for, trip_for

pytestmark = pytest.mark.django_db

STANDARD_PAGES = ("changelist", "add", "change", "delete", "history")
VERB_OF_PAGE = {"changelist": "view", "add": "add", "change": "view", "delete": "delete",
                "history": "view"}  # fmt: skip
# Each ModelAdmin's own URLs: what they are for, and values for their URL arguments.
CUSTOM_URLS = {
    "analytics_dashboard_csv": ("analytics.dashboard", "view", {"chart": "activity"}),
    "otp_totp_totpdevice_config": ("otp_totp.totpdevice", "change", {}),
    "otp_totp_totpdevice_qrcode": ("otp_totp.totpdevice", "change", {}),
    "auth_user_password_change": ("accounts.user", "change", {}),
    # The rate calendars: reading one needs the inventory's view permission, a bulk change
    # its change permission.
    "catalog_hotel_rates": ("catalog.roomnight", "view", {}),
    "catalog_hotel_rates_bulk": ("catalog.roomnight", "change", {}),
    "catalog_rentaloffice_rates": ("catalog.carday", "view", {}),
    "catalog_rentaloffice_rates_bulk": ("catalog.carday", "change", {}),
    "catalog_flightleg_rates": ("catalog.flightfare", "view", {}),
    "catalog_flightleg_rates_bulk": ("catalog.flightfare", "change", {}),
    # Customer service on a booking's page (bookings.admin.SUPPORT_ACTIONS).
    "bookings_booking_refund": ("bookings.booking", "partial_refund", {}),
    "bookings_booking_cancel_item": ("bookings.booking", "cancel_item", {}),
    "bookings_booking_traveler_name": ("bookings.booking", "correct_traveler_name", {}),
    "bookings_booking_resend_confirmation": ("bookings.booking", "resend_confirmation", {}),
    "bookings_booking_note": ("bookings.booking", "add_note", {}),
    # Spreadsheet exports need the model's view permission; a clean dry run is imported
    # for real by whoever may start imports.
    **{
        f"catalog_{model}_export": (f"catalog.{model}", "view", {})
        for model in (
            "hotel",
            "roomtype",
            "roomnight",
            "rentaloffice",
            "rentalcar",
            "carday",
            "flightleg",
            "flightfare",
        )
    },
    "catalog_importjob_apply": ("catalog.importjob", "add", {}),
}
CATALOG = "catalog.*"
EVERYTHING = {"view", "add", "change", "delete", "delete_selected"}

# What each role is for (the words), model by model; "verbs" are page verbs and
# the names of admin actions.
INTENT: dict[str, dict[str, set[str]]] = {
    roles.SUPPORT_AGENT: {
        # Serving travelers: refunds (up to SUPPORT_REFUND_LIMITS), one item cancelled, a
        # name's spelling, the confirmation again, internal notes.
        "bookings.booking": {
            "view",
            "cancel_and_refund",
            "partial_refund",
            "cancel_item",
            "correct_traveler_name",
            "resend_confirmation",
            "add_note",
        },
        "bookings.hold": {"view"},
        "bookings.payment": {"view"},
        "bookings.refund": {"view"},
        "accounts.user": {"view", "export_personal_data"},
        "accounts.loginsession": {"view", "change", "end_sessions"},
        CATALOG: {"view"},
        "audit.auditentry": {"view"},
        "notifications.message": {"view", "resend_messages"},
        "notifications.suppressedaddress": {"view"},
    },
    roles.REVENUE_MANAGER: {
        CATALOG: EVERYTHING,
        "analytics.event": {"view"},
        "analytics.dashboard": {"view"},
    },
    roles.CONTENT_MODERATOR: {
        "reviews.review": {"view", "change", "delete", "approve", "reject", "delete_selected"},
        "reviews.ratingaggregate": {"view"},
        "reviews.reviewreply": {"view", "change", "approve_replies", "reject_replies"},
    },
    # Their own properties' public reviews (here: every property is theirs; which are is
    # tests/reviews/test_replies.py's business), and a reply to each.
    roles.PROPERTY_MANAGER: {"reviews.review": {"view", "reply"}},
    roles.ANALYST: {"analytics.event": {"view"}, "analytics.dashboard": {"view"}},
}


def intended(role: str, label: str, verb: str) -> bool:
    if role == roles.ADMIN:
        return True
    wanted = INTENT[role]
    verbs = wanted.get(label, set()) | (wanted[CATALOG] if label.startswith("catalog.") and
                                        CATALOG in wanted else set())  # fmt: skip
    # Changing implies seeing; the admin shows a view-only change page to viewers.
    return verb in verbs or (verb == "view" and "change" in verbs)


@pytest.fixture
def one_of_each(room_type, day):
    """A row of every model the admin shows (each page needs one to open)."""
    from accounts.otp import recovery_codes_replace
    from audit.services import audit_record
    from bookings.services.cancellation import booking_cancel
    from catalog.models import ImportJob
    from notifications.services import address_suppress
    from reviews.replies import reply_create
    from reviews.services import rating_recompute, review_approve
    from search.models import SearchDocument, SyncCheckpoint, SyncState

    now = timezone.now()
    roles.roles_sync()
    traveler = UserFactory.create(email="pat@example.com")
    done = trip_for(traveler, hotel_offer(room_type, day, 1), done=True)
    cancelled = trip_for(traveler, hotel_offer(room_type, day + timedelta(days=1), 1))
    booking_cancel(booking=cancelled, now=now)
    review = review_for(done)
    rating_recompute(subject=review.subject, subject_id=review.subject_id, now=now)
    FlightFareFactory.create()
    CarDayFactory.create()
    AmenityFactory.create()
    EventFactory.create()
    tokens_for(traveler)
    boss = UserFactory.create(username="boss", is_staff=True)
    recovery_codes_replace(boss)
    # Public, and answered by its hotel: what a property manager's pages show.
    review_approve(review, staff=boss, now=now)
    ManagedProperty.objects.create(user=boss, subject=review.subject, subject_id=review.subject_id)
    reply_create(manager=boss, review_id=review.pk, text="Thank you!", now=now)
    audit_record(actor=boss, action="review.approve", target=review, now=now)
    SearchDocument.objects.create(kind="city", object_id=1, name="Lisbon", text="lisbon",
                                  indexed_at=now)  # fmt: skip
    SyncState.objects.create(engine="local")
    SyncCheckpoint.objects.create(engine="local", kind="city")
    address_suppress(email="gone@example.com", reason="bounce", now=now)
    ImportJob.objects.create(user=boss, kind="room_nights", file="imports/rates.csv",
                             file_name="rates.csv", created_at=now, status="done")  # fmt: skip
    return traveler


def staff_client(role: str | None) -> Client:
    """A verified admin session of a staff member in `role` (None: a superuser)."""
    if role is None:
        user = get_user_model().objects.create_superuser(
            username="root", email="root@example.com", password="x-long-enough-pass"
        )
    else:
        user = UserFactory.create(username=role.lower().replace(" ", "-"), is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        if role == roles.PROPERTY_MANAGER:
            from catalog.models import Airline, CarVendor, Hotel

            for subject, model in zip(SUB_SCORES, (Hotel, CarVendor, Airline), strict=True):
                for pk in model._default_manager.values_list("pk", flat=True):
                    ManagedProperty.objects.create(user=user, subject=subject, subject_id=pk)
    return log_in_verified(Client(), user)


def pages() -> list[tuple[str, str, str]]:
    """(url, model label, verb) for every page the admin registry serves."""
    found: list[tuple[str, str, str]] = []
    for model, model_admin in admin.site._registry.items():
        label, info = model._meta.label_lower, (model._meta.app_label, model._meta.model_name)
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"give {label} a row in one_of_each: its pages go untested"
        for page in STANDARD_PAGES:
            args = [] if page in ("changelist", "add") else [row.pk]
            found.append((reverse(f"admin:{info[0]}_{info[1]}_{page}", args=args), label,
                          VERB_OF_PAGE[page]))  # fmt: skip
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if not name or name in {f"{info[0]}_{info[1]}_{p}" for p in STANDARD_PAGES}:
                continue
            assert name in CUSTOM_URLS, f"say in CUSTOM_URLS who {name} is for"
            owner, verb, kwargs = CUSTOM_URLS[name]
            names = pattern.pattern.converters
            kwargs = {**{k: row.pk for k in names if k not in kwargs}, **kwargs}
            found.append((reverse(f"admin:{name}", kwargs=kwargs), owner, verb))
    return found


def app_indexes() -> list[tuple[str, str]]:
    apps = {m._meta.app_label for m in admin.site._registry}
    return [(reverse("admin:app_list", args=[app]), app) for app in sorted(apps)]


def actions(client: Client) -> list[tuple[str, str, str, dict[str, object]]]:
    """(changelist url, model label, action, form) for every action offered to `client`."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = client.session_user  # type: ignore[attr-defined]
    found: list[tuple[str, str, str, dict[str, object]]] = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        first = model._default_manager.order_by("pk").first()
        row = first.pk if first is not None else None
        for name in model_admin.get_actions(request):
            found.append((reverse(f"admin:{info[0]}_{info[1]}_changelist"),
                          model._meta.label_lower, name,
                          {"action": name, "_selected_action": [row]}))  # fmt: skip
    return found


def outcome(client: Client, url: str, form: dict[str, object]) -> str:
    """ "ran" when the admin ran the action (a page of its own, or done and back to the
    list), "refused" when it said no (403, or the list again with 'No action selected':
    an action the user may not run is not among the form's choices; with none to offer,
    the admin shows the list as for a GET)."""
    response = client.post(url, form)
    if response.status_code == 403:
        return "refused"
    # This answer's own messages, not those still waiting from the previous ones.
    said = [str(m) for m in cast(Any, get_messages(response.wsgi_request))._queued_messages]
    listed_again = any(t.name == "admin/change_list.html" for t in response.templates)
    if listed_again or any("No action selected" in m for m in said):
        return "refused"
    assert response.status_code in (200, 302), (url, form, response.status_code)
    return "ran"


@pytest.mark.parametrize("role", list(roles.ROLES))
def test_each_role_reaches_exactly_the_admin_pages_and_actions_it_is_for(one_of_each, role):
    # given: a superuser's view of every page and action, and a staff member in `role`
    root = staff_client(None)
    root.session_user = get_user_model().objects.get(username="root")  # type: ignore[attr-defined]
    every_page = pages()
    baseline = {url: root.get(url).status_code for url, _, _ in every_page}
    every_action = actions(root)
    staff = staff_client(role)

    # when: they open every page and every app's index, and try every action
    reached = {url: staff.get(url).status_code for url, _, _ in every_page}
    indexes = {url: staff.get(url).status_code for url, _ in app_indexes()}
    ran = {(label, name): outcome(staff, url, form) for url, label, name, form in every_action}

    # then
    assert reached == {
        url: baseline[url] if intended(role, label, verb) else 403
        for url, label, verb in every_page
    }
    assert indexes == {
        url: 200 if any(intended(role, f"{app}.{m._meta.model_name}", verb)
                        for m in admin.site._registry if m._meta.app_label == app
                        for verb in ("view", "add", "change", "delete")) else 404
        for url, app in app_indexes()
    }  # fmt: skip
    assert ran == {
        (label, name): "ran" if intended(role, label, name) else "refused"
        for _, label, name, _ in every_action
    }
    assert staff.get(reverse("admin:index")).status_code == 200


def test_every_role_exists_after_the_migration_and_no_one_is_a_superuser():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0005_staff_roles")
    migration.sync_roles(apps, None)

    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    admin_group = Group.objects.get(name=roles.ADMIN)
    assert admin_group.permissions.filter(codename="change_user").exists()
    analyst = Group.objects.get(name=roles.ANALYST)
    assert sorted(analyst.permissions.values_list("codename", flat=True)) == [
        "view_dashboard", "view_event",
    ]  # fmt: skip
