import pytest


@pytest.fixture(scope="session", autouse=True)
def _live_server_accepts_a_crowd():
    """Django's test server listens with a backlog of 10; races open 60 connections at once."""
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = 256
