"""Staff find bookings and payments in the admin and cancel only after confirming."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus, Hold, Payment, Refund, SandboxCharge
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(client_of, room_type, day):
    user = UserFactory.create(email="guest@example.com")
    client = client_of(user)
    hold = client.post("/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 2)}]},
                       format="json").json()  # fmt: skip
    response = client.post(
        "/api/bookings",
        {"hold_id": hold["id"], "travelers": [{"first_name": "Zed", "last_name": "Quinn"}],
         "payment_token": "tok_visa"},
        format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )  # fmt: skip
    return Booking.objects.get(reference=response.json()["reference"])


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Booking, "guest@example.com"),
        (Booking, "Quinn"),
        (Hold, "guest@example.com"),
        (Payment, "guest@example.com"),
        (Refund, "guest@example.com"),
        (SandboxCharge, "x"),
    ],
)
def test_pages_open_and_search(admin_client, booking, model, query):
    url = reverse(f"admin:bookings_{model._meta.model_name}_changelist")

    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": query}).status_code == 200


def test_search_by_reference_and_open_the_booking(admin_client, booking):
    url = reverse("admin:bookings_booking_changelist")

    page = admin_client.get(url, {"q": booking.reference}).content.decode()
    detail = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert booking.reference in page
    assert detail.status_code == 200
    assert "Quinn" in detail.content.decode()


def test_staff_cancel_needs_a_confirmation(admin_client, booking):
    url = reverse("admin:bookings_booking_changelist")
    selection = {"action": "cancel_and_refund", "_selected_action": [booking.pk]}

    confirm = admin_client.post(url, selection)

    assert confirm.status_code == 200
    assert "Yes, cancel and refund" in confirm.content.decode()
    assert "210.00" in confirm.content.decode()  # what will be refunded
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    done = admin_client.post(url, {**selection, "post": "yes"})

    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert SandboxCharge.objects.get().refunded_amount == 210
    assert Refund.objects.get().reason.startswith("cancelled by staff")


def test_bookings_cannot_be_edited_or_deleted_in_the_admin(admin_client, booking):
    change = admin_client.post(
        reverse("admin:bookings_booking_change", args=[booking.pk]), {"status": "cancelled"}
    )
    delete = admin_client.post(
        reverse("admin:bookings_booking_delete", args=[booking.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def _listed(admin_client, model, **params) -> str:
    """The changelist page, starting with how many rows it found: "<n> result(s)"."""
    url = reverse(f"admin:bookings_{model._meta.model_name}_changelist")
    response = admin_client.get(url, params)
    assert response.status_code == 200
    count = response.context["cl"].result_count
    return f"{count} result{'' if count == 1 else 's'}\n" + response.content.decode()


@pytest.mark.parametrize("model", [Booking, Hold, Payment])
def test_staff_find_by_reference_and_email_and_not_by_others(admin_client, booking, model):
    other = UserFactory.create(email="someone-else@example.com")
    marker = {Booking: booking.reference, Hold: str(booking.hold_id), Payment: "sandbox"}[model]

    by_reference = _listed(admin_client, model, q=booking.reference)
    by_email = _listed(admin_client, model, q="guest@example.com")
    by_other = _listed(admin_client, model, q=other.email)

    assert by_reference.startswith("1 result")
    assert by_email.startswith("1 result")
    assert by_other.startswith("0 results")
    assert marker in by_reference


def test_refunds_are_found_by_reference_email_and_date(admin_client, booking):
    from django.utils import timezone

    from bookings.services.cancellation import booking_cancel

    booking_cancel(booking=booking, now=timezone.now())
    today = timezone.now()

    by_reference = _listed(admin_client, Refund, q=booking.reference)
    by_email = _listed(admin_client, Refund, q="guest@example.com")
    by_day = _listed(
        admin_client, Refund,
        created_at__day=today.day, created_at__month=today.month, created_at__year=today.year,
    )  # fmt: skip
    other_year = _listed(admin_client, Refund, created_at__year=today.year - 1)

    assert by_reference.startswith("1 result")
    assert by_email.startswith("1 result")
    assert "cancelled by traveler" in by_day
    assert "cancelled by traveler" not in other_year


@pytest.mark.parametrize("model", [Booking, Hold, Payment])
def test_bookings_holds_and_payments_browse_by_date(admin_client, booking, model):
    from django.utils import timezone

    today = timezone.now()

    same_day = _listed(
        admin_client, model,
        created_at__day=today.day, created_at__month=today.month, created_at__year=today.year,
    )  # fmt: skip
    year_before = _listed(admin_client, model, created_at__year=today.year - 1)

    assert "guest@example.com" in same_day
    assert "guest@example.com" not in year_before


def test_staff_refund_a_charge_without_a_booking_after_confirming(
    admin_client, booking, client_of, room_type, day
):
    from decimal import Decimal

    from django.utils import timezone

    from bookings.models import PaymentStatus
    from bookings.payments.sandbox import SandboxProvider

    # An orphan charge (the process died before confirming), next to the booked one.
    hold = (
        client_of(booking.user)
        .post(
            "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
        )
        .json()
    )
    orphan = Payment.objects.create(
        hold_id=hold["id"], user=booking.user, provider="sandbox", amount=Decimal("100.00"),
        currency="EUR", status=PaymentStatus.PENDING, created_at=timezone.now(),
        updated_at=timezone.now(),
    )  # fmt: skip
    charge = SandboxProvider().charge(
        amount=orphan.money, token="tok_visa", idempotency_key=orphan.idempotency_key,
        description="orphan",
    )  # fmt: skip
    Payment.objects.filter(pk=orphan.pk).update(status="succeeded", provider_ref=charge.ref)
    booked = Payment.objects.get(booking=booking)
    url = reverse("admin:bookings_payment_changelist")
    selection = {"action": "refund_orphans", "_selected_action": [orphan.pk, booked.pk]}

    confirm = admin_client.post(url, selection)

    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Yes, refund" in page
    assert "1 selected payment(s) will be skipped" in page
    assert SandboxCharge.objects.get(ref=charge.ref).refunded_amount == 0

    done = admin_client.post(url, {**selection, "post": "yes"})

    assert done.status_code == 302
    orphan.refresh_from_db()
    booked.refresh_from_db()
    assert orphan.status == PaymentStatus.REFUNDED
    assert orphan.refunds.get().reason.startswith("refunded by staff")
    assert SandboxCharge.objects.get(ref=charge.ref).refunded_amount == Decimal("100.00")
    assert booked.status == PaymentStatus.SUCCEEDED  # a booking's charge: cancel it instead
    assert booked.refunded_amount == 0


def _staff_who_may(*codenames: str):
    """A verified staff member (second factor done) holding exactly these permissions."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    from tests.factories.accounts import log_in_verified

    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return log_in_verified(Client(), staff)


def test_staff_who_may_only_look_cannot_cancel_and_refund(booking):
    # given a support agent who may view bookings but not give money back
    client = _staff_who_may("view_booking")
    url = reverse("admin:bookings_booking_changelist")
    selection = {"action": "cancel_and_refund", "_selected_action": [booking.pk]}

    # when they post the action, confirmation included
    listing = client.get(url).content.decode()
    client.post(url, {**selection, "post": "yes", "reason": "asked by phone"})

    # then the action is not offered, and nothing was cancelled or refunded
    assert "cancel_and_refund" not in listing
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Refund.objects.exists()


def test_staff_with_the_refund_right_cancel_and_refund(booking):
    client = _staff_who_may("view_booking", "refund_booking")
    url = reverse("admin:bookings_booking_changelist")
    selection = {"action": "cancel_and_refund", "_selected_action": [booking.pk]}

    client.post(url, {**selection, "post": "yes", "reason": "asked by phone"})

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Refund.objects.filter(payment__booking=booking).exists()


def test_staff_who_may_only_look_cannot_refund_a_charge(booking):
    payment = Payment.objects.get(booking=booking)
    Payment.objects.filter(pk=payment.pk).update(booking=None)  # as if orphaned
    client = _staff_who_may("view_payment")
    url = reverse("admin:bookings_payment_changelist")

    client.post(url, {"action": "refund_orphans", "_selected_action": [payment.pk], "post": "yes"})

    assert not Refund.objects.exists()
