import pytest

from search.services.indexing import sync_index


@pytest.fixture
def reindex():  # type: ignore[no-untyped-def]
    """Refresh the search index after creating catalog rows (as the scheduled job would)."""
    return lambda: sync_index(full=True)
