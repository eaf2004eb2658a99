from contextlib import contextmanager

import pytest

from search.services.indexing import sync_index


@pytest.fixture
def reindex():
    """Refresh the search index after creating catalog rows (as the scheduled job would)."""
    return lambda: sync_index(full=True)


@pytest.fixture(params=["local", "cloudsearch"])
def search_engine(request, settings, monkeypatch):
    """Run a module's tests on both engines; CloudSearch answers from an in-memory domain."""
    if request.param == "cloudsearch":
        from search.engines.cloudsearch import CloudSearchEngine
        from tests.search.fake_cloudsearch import FakeDomain

        domain = FakeDomain()
        settings.SEARCH_BACKEND = "cloudsearch"
        settings.CLOUDSEARCH_UPLOAD_INTERVAL_SECONDS = 0  # the fake domain takes any rate
        init = CloudSearchEngine.__init__
        monkeypatch.setattr(
            CloudSearchEngine,
            "__init__",
            lambda self, *a, **k: init(self, domain.search_client, domain.document_client),
        )
    return request.param


@pytest.fixture
def flight_index(search_engine, monkeypatch):
    """Flight searches see the legs the test just created.

    On CloudSearch the index is synced before each search (as the scheduled job would
    have done); `paused()` stops that where a test counts queries.
    The local engine reads the schedule itself and needs nothing.
    """
    from search.engines import get_engine

    state = {"auto": search_engine == "cloudsearch"}

    def engine():
        if state["auto"]:
            sync_index()
        return get_engine()

    monkeypatch.setattr("search.selectors.flights.get_engine", engine)
    # A cached answer is looked up before the selector runs: the sync comes first there too.
    from travelguru import results_cache as cache

    version = cache.results_version

    def synced_version(kind: str) -> str | None:
        if state["auto"]:
            sync_index()
        return version(kind)

    monkeypatch.setattr(cache, "results_version", synced_version)

    class Control:
        name = search_engine

        @staticmethod
        def sync() -> None:
            sync_index()

        @staticmethod
        @contextmanager
        def paused():
            before, state["auto"] = state["auto"], False
            try:
                yield
            finally:
                state["auto"] = before

    return Control
