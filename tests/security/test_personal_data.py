"""What we keep about people: only what a booking needs (names; a birth date where the
fare or the car rental needs one), never documents or card data."""

from __future__ import annotations

from django.apps import apps

from bookings.models import Booking, Traveler

NEVER_STORED = {
    "passport", "passport_number", "national_id", "ssn", "card_number", "card", "pan",
    "cvc", "cvv", "expiry", "exp_month", "exp_year", "iban", "phone", "address",
}  # fmt: skip


def test_no_model_about_people_has_a_field_for_documents_or_card_data():
    fields = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "bookings", "reviews", "analytics", "audit"}
        for field in model._meta.get_fields()
        if field.name.lower() in NEVER_STORED
    }

    assert fields == set()


def test_a_traveler_is_a_name_a_type_and_at_most_a_birth_date():
    concrete = {f.name for f in Traveler._meta.concrete_fields}

    assert concrete == {
        "id", "booking", "position", "type", "first_name", "last_name", "birth_date", "is_driver",
    }  # fmt: skip


def test_a_booking_keeps_no_contact_details_of_its_own():
    concrete = {f.name for f in Booking._meta.concrete_fields}

    assert not concrete & {"email", "phone", "address", "contact", "payment_token", "token"}
