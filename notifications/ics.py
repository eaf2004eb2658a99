"""The booking's calendar file: one VEVENT per booked item, at the place's own time.

Each event's start and end carry their zone (DTSTART;TZID=Europe/Paris:20261212T143000),
with a VTIMEZONE for every zone used (icalendar builds them from zoneinfo), so a calendar
shows a flight leaving Paris at 14:30 Paris time whatever the reader's zone; an item
without a zone is written in UTC (a trailing Z).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifications.kinds import Attachment


def _at(value: datetime, zone: str) -> datetime:
    from datetime import UTC

    return value.astimezone(ZoneInfo(zone) if zone else UTC)


@functools.lru_cache(maxsize=64)
def _zone(tzid: str, first_year: int, last_year: int) -> Any:
    """A zone's VTIMEZONE over whole years, built once per process (icalendar walks the
    zone's offsets to build one: more CPU than the rest of a booking). Read only after."""
    import icalendar

    return icalendar.Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )


def booking_calendar(context: Mapping[str, Any]) -> Attachment:
    import icalendar

    reference = str(context["reference"])
    cal = icalendar.Calendar()
    cal.add("prodid", "-//TravelGuru//Booking//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for item in context["items"]:
        event = icalendar.Event()
        event.add("uid", f"{reference}-{item['position']}@travelguru")
        event.add("dtstamp", context["booked_at"])
        event.add("summary", f"{item['description']} ({reference})")
        event.add("dtstart", _at(item["start"], item["start_zone"]))
        event.add("dtend", _at(item["end"], item["end_zone"]))
        cal.add_component(event)
    # A VTIMEZONE for every zone used, covering the trip's years with a year to spare.
    years = [value.year for item in context["items"] for value in (item["start"], item["end"])]
    zones = 0
    for tzid in sorted(cal.get_missing_tzids()):
        try:
            zone = _zone(tzid, min(years) - 1, max(years) + 1)
        except ValueError:  # a zone icalendar does not know is left out, as it does itself
            continue
        cal.subcomponents.insert(zones, zone)  # before the events that name it
        zones += 1
    return Attachment(
        filename=f"{reference}.ics",
        mimetype="text/calendar",
        content=cal.to_ical().decode("utf-8"),
    )
