"""The incident demo: a few hundred requests over the last 90 days whose history was
replayed through the services, so statuses, clocks, solutions and routing agree."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from steward.core.demo import loader
from steward.core.models import JournalEntry, Notification, SlaClock
from steward.incidents.models import IncidentRequest, RoutingRule, Solution, SolutionUse

# full_demo: `make test` runs it in its PostgreSQL half only; its SQLite half loads the same
# whole history in tests/browser/test_accessibility.py (scripts/run_tests.py).
pytestmark = [pytest.mark.django_db, pytest.mark.full_demo]


def test_the_demo_has_a_realistic_quarter_of_incident_requests(db, settings):
    settings.STEWARD_DEMO_INCIDENTS = None  # the whole history, as `make run` loads it
    loader.load()
    requests = IncidentRequest.objects.all()
    assert 250 <= requests.count() <= 400
    oldest = requests.order_by("created_at").first().created_at
    assert timezone.now() - oldest < dt.timedelta(days=91)
    statuses = dict(requests.values_list("status").annotate(n=Count("pk")))
    assert statuses["closed"] > 200 and statuses.get("resolved", 0) > 0
    assert sum(statuses.get(s, 0) for s in ("new", "assigned", "in_progress", "pending")) >= 10
    priorities = dict(requests.values_list("priority").annotate(n=Count("pk")))
    assert set(priorities) == {"1", "2", "3", "4"} and priorities["3"] > priorities["1"]
    # Routed by the rules, first-contact resolutions, reopened ones, solutions used.
    assert requests.filter(routed_by__isnull=False).count() > 200
    assert requests.filter(first_contact_resolution=True).exists()
    assert requests.filter(reopen_count__gt=0).exists()
    # A reopened request lands in a group's queue, even one resolved at first contact.
    assert not requests.filter(reopen_count__gt=0, support_group__isnull=True).exists()
    assert SolutionUse.objects.exists() and RoutingRule.objects.count() >= 5
    assert set(Solution.objects.values_list("status", flat=True)) == {
        "active", "proposed", "rejected",
    }  # fmt: skip
    # The history is real: each request has a journal, clocks were met and breached.
    incident_type = ContentType.objects.get_for_model(IncidentRequest)
    first = requests.order_by("created_at").first()
    assert JournalEntry.objects.filter(record_type=incident_type, record_id=first.pk).count() >= 3
    met = set(SlaClock.objects.filter(record_type=incident_type, state="stopped")
              .values_list("met", flat=True))  # fmt: skip
    assert met == {True, False}
    # The replayed past does not flood anyone's mailbox.
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    assert Notification.objects.filter(created_at__lt=an_hour_ago).exists()
    assert not Notification.objects.filter(send_email=True, created_at__lt=an_hour_ago).exists()
    assert loader.load() == {}  # loading again adds nothing
