"""URL patterns whose view module is imported at its first request, not at cold start.

Django imports the whole URLconf on a process's first request, whatever it asks for, and
with it every API module and all they import (selectors, engines, dataclasses ...). On
Lambda that is paid by each cold start, also by a request (/api/config) that uses none of
them. `LazyApiView("search.apis.hotels.HotelSearchApi")`
stands in for `HotelSearchApi.as_view()` in a URLconf:

- a request to it imports the module and answers with the real view;
- Django's own bookkeeping (reverse(), ResolverMatch) asks for the dotted name only, which
  it has without importing;
- the schema generator (drf-spectacular) asks for `cls`, `initkwargs` ... which import the
  module and answer from the real view, so the schema is the same as with eager views.

An import error in such a module would show only on the first request to it: a test imports
every lazy view of the URLconf (tests/travelguru/test_lazy_views.py), so CI fails instead.
"""

from __future__ import annotations

import gc
from functools import cached_property
from importlib import import_module
from typing import Any

from django.http import HttpRequest, HttpResponse


class LazyApiView:
    # What the view itself says (DRF's APIView.as_view() exempts it), without importing it:
    # CsrfViewMiddleware asks every request.
    csrf_exempt = True

    def __init__(self, dotted: str, **initkwargs: Any) -> None:
        module, name = dotted.rsplit(".", 1)
        self._view_module, self._initkwargs = module, initkwargs
        # The names Django's URL resolver reads (URLPattern.lookup_str, ResolverMatch).
        self.__module__, self.__name__, self.__qualname__ = module, name, name

    @cached_property
    def view(self) -> Any:
        view = getattr(import_module(self._view_module), self.__name__).as_view(**self._initkwargs)
        # What the import loaded lives as long as the process: out of the cyclic collector's
        # reach (`gc.freeze`, O(1)), a full collection walks what requests allocate and not
        # the whole heap again (it cost tens of ms of one request in ~30 of a hotel search
        # at scale 10: its p95). Objects are still freed when their last reference goes.
        gc.freeze()
        return view

    def resolve(self) -> Any:
        """The real view, imported now (tests/travelguru/test_lazy_views.py imports every
        lazy view this way, so an import error fails the suite, not a traveler's request)."""
        return self.view

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.view(request, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Only for what __init__ did not set: the schema generator's `cls`, `initkwargs`,
        # `actions` ... come from the real view. Private and dunder names are not delegated
        # (copy, pickle and asyncio's coroutine check probe them), nor `view_class`: with it
        # Django's resolver would import every lazy view at the first reverse().
        if name.startswith("_") or name == "view_class":
            raise AttributeError(name)
        return getattr(self.view, name)

    def __repr__(self) -> str:
        return f"<LazyApiView {self.__module__}.{self.__name__}>"
