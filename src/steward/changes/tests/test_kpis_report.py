"""The periodic service report lists the real changes of the customer's services: those
implemented in the period with their outcome (emergency ones marked) and those in
progress."""

import datetime as dt

import pytest
from django.utils import timezone

from steward.changes.choices import ChangeOutcome, ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.service_level.services import reporting

pytestmark = pytest.mark.django_db


def at(month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2025, month, day, 10))


def change(make_change, title: str, **fields) -> Change:
    kind = fields.pop("change_type", ChangeType.NORMAL)
    actor = fields.pop("actor", None)
    made = make_change(title=title, change_type=kind, **({"actor": actor} if actor else {}))
    Change.objects.filter(pk=made.pk).update(created_at=at(1, 2), **fields)
    return made


def test_the_report_lists_the_changes_of_the_period(
    make_change, customer_org, service, other_service, change_manager
):
    closed = dict(status=ChangeStatus.CLOSED, outcome=ChangeOutcome.SUCCESSFUL)
    change(make_change, "Patch the mail relay", change_type=ChangeType.EMERGENCY,
           closed_at=at(3, 5), **closed)  # fmt: skip
    change(make_change, "New spam filter", status=ChangeStatus.BACKED_OUT,
           outcome=ChangeOutcome.BACKED_OUT, closed_at=at(3, 20))  # fmt: skip
    change(make_change, "Bigger mailboxes", status=ChangeStatus.IMPLEMENTATION)
    change(make_change, "Move to the new site", status=ChangeStatus.PLANNING,
           planned_start=at(3, 28), planned_end=at(3, 29))  # fmt: skip
    # Not in March's report: ended before it, planned after it, not started, cancelled,
    # another service (Payroll, which Acme does not subscribe to).
    change(make_change, "Old certificate", closed_at=at(2, 20), **closed)
    change(make_change, "Archive", status=ChangeStatus.PLANNING,
           planned_start=at(4, 10), planned_end=at(4, 11))  # fmt: skip
    change(make_change, "Just registered")
    change(make_change, "Dropped", status=ChangeStatus.CANCELLED,
           outcome=ChangeOutcome.CANCELLED, closed_at=at(3, 6))  # fmt: skip
    change(make_change, "Payroll run", service_id=other_service.pk, actor=change_manager,
           closed_at=at(3, 7), **closed)  # fmt: skip

    report = reporting.build_report(customer_org, dt.date(2025, 3, 1), dt.date(2025, 3, 31))

    rows = {(r["title"], r["state"], r["emergency"], r["outcome"]) for r in report["changes"]}
    assert rows == {
        ("Patch the mail relay", "ended", True, "Successful: all requirements met"),
        ("New spam filter", "ended", False, "Backed out"),
        ("Bigger mailboxes", "in_progress", False, ""),
        ("Move to the new site", "in_progress", False, ""),
    }
    assert report["changes_note"] == ""
    _, text, html = reporting.render_report(report)
    for body in (text, html):
        assert "Patch the mail relay" in body and "Backed out, 2025-03-20" in body
        assert "in progress" in body.lower()
    assert "EMERGENCY change" in text


def test_a_period_without_changes_says_so(customer_org, service):
    report = reporting.build_report(customer_org, dt.date(2025, 3, 1), dt.date(2025, 3, 31))

    assert report["changes"] == []
    assert report["changes_note"] == reporting.NO_CHANGES_NOTE
