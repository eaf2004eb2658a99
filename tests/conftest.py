import pytest
from django.db import connection
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

# Database-backed examples vary in speed on a busy CI box: no per-example deadline.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("default")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """`@pytest.mark.mariadb` tests need the real MariaDB; .ci/run runs the suite on both."""
    if connection.vendor == "mysql":
        return
    skip = pytest.mark.skip(reason="needs MariaDB: run with DATABASE_URL=mysql://…")
    for item in items:
        if "mariadb" in item.keywords:
            item.add_marker(skip)
