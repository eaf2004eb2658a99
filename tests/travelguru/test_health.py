from unittest import mock

from django.db import OperationalError


def test_healthz_answers_ok_when_the_database_is_reachable(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_problem_when_the_database_is_down(client, db):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "database-unavailable"


def test_healthz_answers_503_when_the_database_cannot_be_reached_at_all(client, db, settings):
    """A real unreachable server, not a mock: a MySQL URL on a port nobody listens on."""
    from django.db import connections

    broken = {**settings.DATABASES["default"], "ENGINE": "django.db.backends.mysql",
              "HOST": "127.0.0.1", "PORT": "9", "NAME": "nowhere", "USER": "nobody",
              "PASSWORD": "", "OPTIONS": {"connect_timeout": 2}}  # fmt: skip
    with mock.patch.dict(connections.settings, {"default": broken}):
        original = connections["default"]
        try:
            del connections["default"]
            response = client.get("/healthz")
        finally:
            connections["default"].close()
            connections["default"] = original
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "The database is not reachable."


def test_healthz_refuses_other_methods_with_a_problem(client, db):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["code"] == "method-not-allowed"
