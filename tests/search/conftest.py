import pytest

from search.services.indexing import sync_index


@pytest.fixture
def reindex():  # type: ignore[no-untyped-def]
    """Refresh the search index after creating catalog rows (as the scheduled job would)."""
    return lambda: sync_index(full=True)


@pytest.fixture(params=["local", "cloudsearch"])
def search_engine(request, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Run a module's tests on both engines; CloudSearch answers from an in-memory domain."""
    if request.param == "cloudsearch":
        from search.engines.cloudsearch import CloudSearchEngine
        from tests.search.fake_cloudsearch import FakeDomain

        domain = FakeDomain()
        settings.SEARCH_BACKEND = "cloudsearch"
        init = CloudSearchEngine.__init__
        monkeypatch.setattr(
            CloudSearchEngine,
            "__init__",
            lambda self, *a, **k: init(self, domain.search_client, domain.document_client),
        )
    return request.param
