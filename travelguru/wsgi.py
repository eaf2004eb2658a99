"""WSGI entry point (gunicorn locally, Zappa's handler on Lambda)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "travelguru.settings.local")

application = get_wsgi_application()

# Everything loaded at start lives as long as the process: out of the cyclic collector's reach,
# a full collection does not walk it again at some request (travelguru.lazy_views does the
# same for each API module it imports at its first request).
gc.freeze()
