"""The support actions' forms on a booking's admin page: parse input, nothing more."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any, cast

from django import forms

REASON_HELP = "Why: kept in the audit trail, read by colleagues later."


class _ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text=REASON_HELP,
                             widget=forms.TextInput(attrs={"size": 80}))  # fmt: skip


class PartialRefundForm(_ReasonForm):
    amount = forms.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    currency = forms.ChoiceField()
    # The form's own key: the same form sent twice makes one refund.
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    field_order = ["amount", "currency", "reason", "request_key"]

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("request_key", secrets.token_urlsafe(24))
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["currency"]).choices = [(c, c) for c in currencies]


class ItemCancelForm(_ReasonForm):
    position = forms.TypedChoiceField(coerce=int, label="Item")
    field_order = ["position", "reason"]

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["position"]).choices = items


class TravelerNameForm(_ReasonForm):
    traveler = forms.TypedChoiceField(coerce=int)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    field_order = ["traveler", "first_name", "last_name", "reason"]

    def __init__(self, *args: Any, travelers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["traveler"]).choices = travelers


class ResendConfirmationForm(_ReasonForm):
    pass


class NoteForm(forms.Form):
    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                           help_text="For staff only: never shown to the traveler.")  # fmt: skip
