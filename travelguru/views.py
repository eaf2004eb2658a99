from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def home(request: HttpRequest) -> HttpResponse:
    """Landing page until the static traveler app is served here."""
    day = timezone.now().date() + timedelta(days=14)
    context = {"sample_date": day, "sample_checkout": day + timedelta(days=3)}
    return render(request, "home.html", context)
