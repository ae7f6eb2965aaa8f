"""The tasks and closure demo: a change half implemented, one waiting for customer
testing, one in its production test, closed ones weeks back and one backed out."""

import datetime as dt

from django.utils import timezone

from steward.changes.demo import CLOSURE_DEMO, TASK_DEMO
from steward.changes.models import Change


def test_the_demo_changes_in_implementation_and_closure(demo):
    half = Change.objects.get(title=TASK_DEMO)
    assert half.status == "implementation"
    assert set(half.tasks.values_list("kind", "status")) == {
        ("preparation", "done"), ("implementation", "open"),
    }  # fmt: skip
    waiting = Change.objects.get(title__startswith="Add two-factor login")
    assert waiting.tasks.get(kind="customer_test").status == "open"
    assert Change.objects.filter(status="production_test").exists()
    ended = {c.title: c for c in Change.objects.filter(title__in=[t for _, t, _ in CLOSURE_DEMO])}
    for weeks, title, outcome in CLOSURE_DEMO:
        assert ended[title].status == outcome
        assert ended[title].closed_at < timezone.now() - dt.timedelta(weeks=weeks, days=-1)
