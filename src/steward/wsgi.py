"""The WSGI app ``steward serve`` (gunicorn) runs: Django, with the event ingestion paths
answered by the lean app of ``steward.events.ingest`` before Django sees them (the one
place where per-request framework overhead matters; docs/ARCHITECTURE.md, "Ingestion")."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
django_application = get_wsgi_application()

# After Django is set up: the ingestion module reads models and settings.
from steward.events.ingest import with_ingestion  # noqa: E402

application = with_ingestion(django_application)
