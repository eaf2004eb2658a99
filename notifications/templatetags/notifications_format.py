"""Money and times in a message, written for its language (Django's l10n formats).

Django's formats give each language its decimal and thousands separators and its date
words, which is all a message needs: no babel (its locale data would not fit the Lambda
package). Times are the place's own, with the offset and zone named, never the server's.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils import formats, translation

from travelguru.money import Money, minor_units

register = template.Library()

NBSP = "\u00a0"


@register.filter
def money(value: Any) -> str:
    """`EUR 1,234.50` in English, `1 234,50 EUR` in French and Spanish."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Money):
        value = Money.of(Decimal(str(value["amount"])), str(value["currency"]))
    number = formats.number_format(
        value.amount, decimal_pos=minor_units(value.currency), use_l10n=True, force_grouping=True
    )
    if translation.get_language() == "en":
        return f"{value.currency}{NBSP}{number}"
    return f"{number}{NBSP}{value.currency}"


def as_local(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone)) if zone else value


@register.filter
def local(value: datetime | None, zone: str = "") -> str:
    """The instant on the place's clock: date and time in the language's words, then the
    offset (and zone) it is given in, e.g. `12 décembre 2026 14:30 (UTC+01:00, Europe/Paris)`."""
    if value is None:
        return ""
    at = as_local(value, zone)
    offset = at.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    words = formats.date_format(at, "DATETIME_FORMAT", use_l10n=True)
    return f"{words} ({offset}, {zone})" if zone else f"{words} ({offset})"


@register.filter
def local_date(value: datetime | None, zone: str = "") -> str:
    """The day on the place's calendar (a hotel's check-in date)."""
    if value is None:
        return ""
    return formats.date_format(as_local(value, zone), "DATE_FORMAT", use_l10n=True)
