"""The search APIs are imported at their first request, not with the URLconf (cold start)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

from travelguru.lazy_views import LazyApiView

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: this test process has imported every API already.
_CHILD = """
import sys
import django
django.setup()
from django.urls import resolve, reverse
resolve("/api/config")
reverse("hotel-search")
lazy = ["search.apis." + name for name in ("cars", "flights", "hotels", "offers", "places")]
assert not [m for m in lazy if m in sys.modules], "imported with the URLconf"
match = resolve("/api/hotels/search")
assert match._func_path == "search.apis.hotels.HotelSearchApi", match._func_path
assert "search.apis.hotels" not in sys.modules, "imported by resolve()"
print("ok")
"""


def test_the_urlconf_and_reverse_do_not_import_a_lazy_view():
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _CHILD], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "travelguru.settings.test"},
    )  # fmt: skip
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_lazy_view_answers_as_the_real_one_and_tells_the_schema_what_it_is():
    from search.apis.hotels import HotelSearchApi

    view = resolve("/api/hotels/search").func
    assert isinstance(view, LazyApiView)
    assert view.csrf_exempt
    assert view.cls is HotelSearchApi  # drf-spectacular's question: imports it
    assert view.initkwargs == {}
    assert reverse("hotel-search") == "/api/hotels/search"


def _callbacks(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern.url_patterns)
        else:
            yield pattern.callback


def test_every_lazy_view_of_the_urlconf_imports_and_is_a_view():
    # An import error in a lazily named view fails here, not on a traveler's first request.
    lazy = [view for view in _callbacks(get_resolver().url_patterns) if hasattr(view, "resolve")]
    resolved = {repr(view): view.resolve() for view in lazy}

    assert all(callable(view) and hasattr(view, "cls") for view in resolved.values())
    named = {name for name in resolved if name.startswith("<LazyApiView")}
    # Every LazyApiView named in an app's urls.py is among them (none hides in a resolver
    # this walk would miss), and so are the schema's own two pages.
    in_sources = {
        f"<LazyApiView {dotted}>"
        for urls in ROOT.glob("*/urls.py")
        for dotted in re.findall(r'LazyApiView\(\s*"([\w.]+)"', urls.read_text())
    }
    assert len(in_sources) >= 20
    assert named == in_sources
    assert len(lazy) - len(named) == 2  # /api/schema/ and /api/docs/


def test_a_lazy_view_whose_module_does_not_import_fails_when_resolved():
    view = LazyApiView("search.apis.no_such_module.NoSuchApi")

    with pytest.raises(ModuleNotFoundError):
        view.resolve()


# A fresh interpreter, as a worker after its first search: what the search module loaded is
# out of the cyclic collector's reach, so a full collection walks only what requests left.
_FROZEN_CHILD = """
import gc
import django
django.setup()
from django.urls import resolve
before = gc.get_freeze_count()
resolve("/api/hotels/search").func.resolve()
import search.apis.hotels as module
tracked = {id(o) for o in gc.get_objects()}
assert gc.get_freeze_count() > before, "nothing frozen"
assert id(module.HotelSearchApi) not in tracked, "the view class is still walked"
print("ok")
"""


def test_a_lazy_view_s_module_is_out_of_the_collector_s_reach_once_imported():
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _FROZEN_CHILD], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "travelguru.settings.test"},
    )  # fmt: skip
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
