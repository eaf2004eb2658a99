"""WSGI entry point (gunicorn locally, Zappa's handler on Lambda)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "travelguru.settings.local")

application = get_wsgi_application()
