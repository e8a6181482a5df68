"""WSGI entry point (gunicorn plut.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plut.settings")
application = get_wsgi_application()
