import pytest

from accounts import roles
from tests.factories.accounts import UserFactory, staff_in
from tests.factories.trips import stay_and_car_for


@pytest.fixture(scope="session", autouse=True)
def _live_server_accepts_a_crowd():
    """Django's test server listens with a backlog of 10; races open 60 connections at once."""
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = 256


# Customer service's actions (tests/bookings/test_support_actions.py and the refunds they
# leave to reconciliation): the staff roles synced and their refund limits set.
@pytest.fixture
def support_roles(settings):
    settings.SUPPORT_REFUND_LIMITS = {"EUR": "150", "USD": "1000"}
    roles.roles_sync()


@pytest.fixture
def agent(support_roles):
    return staff_in(roles.SUPPORT_AGENT)


@pytest.fixture
def trip(room_type, car, day):
    """A hotel stay (one night, 100 EUR, free to cancel) and a car (2 days, 80 EUR)."""
    return stay_and_car_for(UserFactory.create(email="pat@example.com"), room_type, car, day)
