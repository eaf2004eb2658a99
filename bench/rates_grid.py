"""The admin's rates grid: one month page for the largest hotel, office and route.

In-process (Django's test client, a superuser with a verified second factor, as the
admin requires), so the time is the server's: the whole request through the middleware,
the admin's checks, the grid's queries and the template. The target is one page in
300 ms or less with a number of queries that does not grow with the month or the lines.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import summary

TARGET_MS = 300.0
STAFF_EMAIL = "bench-revenue@travelguru.example"


def _client() -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _ = get_user_model().objects.get_or_create(
        email=STAFF_EMAIL,
        defaults={"username": "bench-revenue", "is_staff": True, "is_superuser": True},
    )
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _largest() -> dict[str, tuple[str, str]]:
    """kind -> (URL of its grid, what it is) for the largest hotel, office and route."""
    from django.db.models import Count
    from django.urls import reverse

    from catalog.models import FlightLeg, Hotel, RentalOffice

    hotel = Hotel.objects.annotate(n=Count("room_types")).order_by("-n", "pk").first()
    office = RentalOffice.objects.annotate(n=Count("cars")).order_by("-n", "pk").first()
    route = (
        FlightLeg.objects.values("origin__iata", "destination__iata")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    out: dict[str, tuple[str, str]] = {}
    if hotel:
        out["hotel"] = (reverse("admin:catalog_hotel_rates", args=[hotel.pk]), hotel.name)
    if office:
        out["office"] = (reverse("admin:catalog_rentaloffice_rates", args=[office.pk]), office.name)
    if route:
        origin, destination = route["origin__iata"], route["destination__iata"]
        url = reverse(
            "admin:catalog_flightleg_rates", kwargs={"origin": origin, "destination": destination}
        )
        out["route"] = (url, f"{origin} → {destination}")
    return out


def run(repeats: int = 20) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client = _client()
    month = timezone.now().strftime("%Y-%m")
    out: dict[str, Any] = {"month": month, "grids": {}}
    for kind, (url, name) in _largest().items():
        response = client.get(url, {"month": month})  # warm-up
        if response.status_code != 200:
            out["grids"][kind] = {"name": name, "error": response.status_code}
            continue
        html = response.content.decode()
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, {"month": month})
        # Read now: the next request's start empties the connection's query log.
        sql = [q["sql"] for q in ctx.captured_queries]
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url, {"month": month})
            times.append((time.perf_counter() - started) * 1000)
        out["grids"][kind] = {
            "name": name,
            "lines": html.count("data-line="),
            "cells": html.count("data-date="),
            "queries": len(sql),
            "grid_queries": sum(1 for q in sql if "catalog_" in q.split("FROM")[-1]),
            "ms": summary(times),
        }
    return out


def lines(figures: dict[str, Any]) -> list[str]:
    """The report's table (bench/report.py)."""
    out = [
        f"## Admin rates grid: one month ({figures['month']})",
        "",
        "In-process, the whole admin request (session, second factor, permission, the grid's "
        f"queries, the template); target ≤ {TARGET_MS:.0f} ms server-side with bounded queries.",
        "",
        "| grid | lines | cells | queries (of catalog tables) | p50 ms | p95 ms | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, g in figures["grids"].items():
        if "error" in g:
            out.append(f"| {kind}: {g['name']} | HTTP {g['error']} | | | | | |")
            continue
        ok = "met" if g["ms"]["p95"] <= TARGET_MS else "missed"
        out.append(
            f"| {kind}: {g['name']} | {g['lines']} | {g['cells']} | {g['queries']} "
            f"({g['grid_queries']}) | {g['ms']['p50']:.1f} | {g['ms']['p95']:.1f} | {ok} |"
        )
    return [*out, ""]
