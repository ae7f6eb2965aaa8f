"""Demo data of Change Management, loaded after the CMDB and incident demos: requests for
change from each source, templates and policies, changes in every state, approvals, tasks,
a blackout period and planned events, an emergency change from an escalated incident and
the demo incidents that needed changes linked to them. Safe to run again: each part adds
its records only when its kind of record is missing."""

from typing import Any

# --- rfcs: requests for change (proc. 1) ---------------------------


def _rfcs(context: dict[str, Any]) -> None:
    """The requests for change (proc. 1) of the demo."""


# --- templates: templates and policies -----------------------------


def _templates(context: dict[str, Any]) -> None:
    """The templates and policies of the demo."""


# --- changes: changes: registration, analysis, planning (proc. 2) ---


def _changes(context: dict[str, Any]) -> None:
    """The changes: registration, analysis, planning (proc. 2) of the demo."""


# --- approvals: approval (proc. 3) ---------------------------------


def _approvals(context: dict[str, Any]) -> None:
    """The approval (proc. 3) of the demo."""


# --- tasks: tasks and implementation (proc. 4, 5) ------------------


def _tasks(context: dict[str, Any]) -> None:
    """The tasks and implementation (proc. 4, 5) of the demo."""


# --- closure: closure (proc. 6) ------------------------------------


def _closure(context: dict[str, Any]) -> None:
    """The closure (proc. 6) of the demo."""


# --- emergency: emergency changes (proc. 7, 8) ---------------------


def _emergency(context: dict[str, Any]) -> None:
    """The emergency changes (proc. 7, 8) of the demo."""


# --- calendar: planned events and the calendar ---------------------


CALENDAR_CHANGES = [
    # title, service, CI name, day from next Monday, start hour, hours
    ("Upgrade the Online Banking database", "Online Banking", "ob-db-vm01", 1, 20, 3),
    ("Patch the Online Banking database VM", "Online Banking", "ob-db-vm01", 1, 22, 2),
    ("Renew the Payments Gateway certificates", "Payments Gateway", "", 3, 19, 1),
    ("Move Fleet Tracking to the new message queue", "Fleet Tracking", "", 8, 21, 4),
    ("Raise the mailbox quota", "Email & Collaboration", "", 2, 18, 2),
    ("Install the EHR security patch", "Electronic Health Records", "", 2, 19, 3),
    ("Replace the branch office printers", "Workplace Support", "", 4, 8, 8),
    ("Enable multi-factor sign-in for Online Banking", "Online Banking", "", 9, 6, 2),
    ("Upgrade the Payments Gateway load balancer", "Payments Gateway", "", 12, 5, 3),
    ("Migrate shared mailboxes", "Email & Collaboration", "", 15, 20, 5),
]
COORDINATORS = {"Email & Collaboration": "cleo.change", "Electronic Health Records": "cleo.change",
                "Workplace Support": "cleo.change"}  # fmt: skip


def _calendar(context: dict[str, Any]) -> None:
    """The planned events and the calendar of the demo: the quarter-end change freeze
    (a blackout period), weekly maintenance windows of the network team, and changes on
    the calendar, two of them on the same database VM at overlapping times (a conflict
    the change manager sees on the calendar and on both change pages)."""
    from datetime import date, datetime, time, timedelta

    from django.utils import timezone

    from steward.changes.models import Change, PlannedEvent
    from steward.changes.services.calendar import planned_event_create
    from steward.changes.services.changes import change_register
    from steward.configuration.models import ConfigurationItem

    if PlannedEvent.objects.filter(title="Quarter-end change freeze").exists():
        return
    people, services = context["people"], context["services"]
    manager = people["max.manager"]
    today = timezone.localdate()
    following = (today.month - 1) // 3 * 3 + 4  # the next quarter's first month (4..13)
    quarter_end = date(today.year + following // 13, (following - 1) % 12 + 1, 1)
    freeze_end = timezone.make_aware(datetime.combine(quarter_end, time.min))
    planned_event_create(
        actor=manager,
        title="Quarter-end change freeze",
        kind="blackout",
        starts_at=freeze_end - timedelta(days=5),
        ends_at=freeze_end,
        description="No changes while the quarter's books close.",
    )
    monday = today + timedelta(days=7 - today.weekday())
    for week in range(6):
        saturday = timezone.make_aware(
            datetime.combine(monday + timedelta(days=7 * week + 5), time(22))
        )
        planned_event_create(
            actor=manager,
            title="Datacentre network maintenance",
            kind="maintenance",
            starts_at=saturday,
            ends_at=saturday + timedelta(hours=4),
            service_ids=[services["Online Banking"].pk, services["Payments Gateway"].pk],
        )
    for title, service_name, ci_name, day, hour, hours in CALENDAR_CHANGES:
        ci = ConfigurationItem.objects.filter(name=ci_name).first() if ci_name else None
        change = change_register(
            actor=people[COORDINATORS.get(service_name, "chris.change")],
            title=title,
            service_id=services[service_name].pk,
            ci_ids=[ci.pk] if ci else [],
        )
        start = timezone.make_aware(datetime.combine(monday + timedelta(days=day), time(hour)))
        # The implementation window as planning sets it (proc. 2; the changes topic's
        # planning service, once merged, is the way to set it).
        Change.objects.filter(pk=change.pk).update(
            planned_start=start, planned_end=start + timedelta(hours=hours)
        )


# --- kpis: KPIs ----------------------------------------------------


def _kpis(context: dict[str, Any]) -> None:
    """The KPIs of the demo."""


def load(context: dict[str, Any]) -> None:
    """Add the Change Management demo records that are missing."""
    _rfcs(context)
    _templates(context)
    _changes(context)
    _approvals(context)
    _tasks(context)
    _closure(context)
    _emergency(context)
    _calendar(context)
    _kpis(context)
