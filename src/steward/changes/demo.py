"""Demo data of Change Management, loaded after the CMDB and incident demos: requests for
change from each source, templates and policies, changes in every state, approvals, tasks,
a blackout period and planned events, an emergency change from an escalated incident and
the demo incidents that needed changes linked to them. Safe to run again: each part adds
its records only when its kind of record is missing."""

from typing import Any

from steward.changes.models import Change
from steward.changes.services import emergency as emergency_svc
from steward.core.models import Notification, Person
from steward.incidents.services import incidents as incident_svc

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


_APPROVAL_DEMO = [
    # (service, title, conditions, days ahead, hour): the first needs the service owner's
    # approval (olivia.owner), the second Northwind Bank's representative's (nora.northwind).
    ("Payments Gateway", "Renew the TLS certificates of the payment API",
     {"unavailable_in_service_hours": False, "functionality_changes": False}, 12, 2),
    ("Online Banking", "Add a spending overview to the mobile banking app",
     {"unavailable_in_service_hours": False, "functionality_changes": True}, 19, 22),
]  # fmt: skip


def _approvals(context: dict[str, Any]) -> None:
    """The approval (proc. 3) of the demo: two changes the change manager (max.manager)
    has put up for approval, one waiting for the service owner, one for the customer
    representative. Added only when no change has an approval yet."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from steward.changes import workflows
    from steward.changes.choices import ChangeStatus
    from steward.changes.models import Change, ChangeApproval
    from steward.changes.services.approvals import change_manager_review
    from steward.changes.services.changes import change_register
    from steward.core import transitions

    people, services = context["people"], context["services"]
    if ChangeApproval.objects.exists() or "max.manager" not in people:
        return
    coordinator, manager = people["chris.change"], people["max.manager"]
    start_of_day = timezone.now().replace(minute=0, second=0, microsecond=0)
    for service_name, title, conditions, days, hour in _APPROVAL_DEMO:
        change = change_register(
            actor=coordinator, title=title, service_id=services[service_name].pk
        )
        start = start_of_day.replace(hour=hour) + timedelta(days=days)
        # What the coordinator's analysis and planning (proc. 2) would have recorded.
        Change.objects.filter(pk=change.pk).update(
            planned_start=start, planned_end=start + timedelta(hours=2), risk_level="low",
            plan="Deploy in the window; smoke-test; tell the service desk.",
            backout_plan="Redeploy the previous release.", **conditions,
        )  # fmt: skip
        with transaction.atomic():
            locked = transitions.lock(Change, change.pk)
            for state in (ChangeStatus.RISK_ANALYSIS, ChangeStatus.PLANNING, ChangeStatus.APPROVAL):
                transitions.transition(locked, state, actor=coordinator, workflow=workflows.CHANGE)
        change_manager_review(
            actor=manager, change_id=change.pk, review="collect", note="Plan and window fine."
        )
    counts = context.setdefault("counts", {})
    counts["change approvals"] = ChangeApproval.objects.count()


# --- tasks: tasks and implementation (proc. 4, 5) ------------------


def _tasks(context: dict[str, Any]) -> None:
    """The tasks and implementation (proc. 4, 5) of the demo."""


# --- closure: closure (proc. 6) ------------------------------------


def _closure(context: dict[str, Any]) -> None:
    """The closure (proc. 6) of the demo."""


# --- emergency: emergency changes (proc. 7, 8) ---------------------


def _emergency(context: dict[str, Any]) -> None:
    """The emergency changes (proc. 7, 8) of the demo, each from an escalated incident
    through the services: one implemented, registered and closed; one (an application
    change the on-duty manager asked for, transferred by the release administrator)
    implemented and waiting for the change coordinator to register it."""
    people, services, groups = context["people"], context["services"], context["groups"]
    if Change.objects.filter(change_type="emergency").exists():
        return
    mail = services.get("Email & Collaboration")
    if mail is None or not all(p in people for p in _EMERGENCY_CAST):
        return
    first_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    relay = _escalated_incident(
        people, mail, groups["Server & Storage"], "sam.spec",
        "Mail to external partners bounces", "Since this morning every mail to partner "
        "domains comes back with 'relay access denied'.",
    )  # fmt: skip
    closed = _asked(people, relay, "sam.owner", "sam.spec", "infrastructure",
                    "Correct the relay rules on the mail gateway now; register it afterwards.")  # fmt: skip
    emergency_svc.emergency_change_test(
        actor=people["sam.spec"], change_id=closed.pk, successful=True,
        note="Relay rules corrected on the gateway; mail to partner domains is delivered.",
    )  # fmt: skip
    emergency_svc.emergency_change_register(
        actor=people["cleo.change"], change_id=closed.pk, cmdb_updated=True,
        capacity_updated=False, note="Gateway CI configuration updated in the CMDB.",
    )  # fmt: skip
    calendar = _escalated_incident(
        people, mail, groups["Application Support"], "kim.spec",
        "Shared calendars do not open after the update", "Every shared calendar shows "
        "'access denied' since last night's client update.",
    )  # fmt: skip
    waiting = _asked(people, calendar, "otto.duty", "kim.spec", "application",
                     "Samira is unreachable: build the fix tonight and take it into production.")  # fmt: skip
    for environment in ("test", "production"):
        emergency_svc.emergency_change_transfer(
            actor=people["kim.spec"], change_id=waiting.pk, environment=environment,
            note="Calendar permissions fix, release 4.2.1.",
        )  # fmt: skip
    emergency_svc.emergency_change_test(
        actor=people["kim.spec"], change_id=waiting.pk, successful=True,
        note="Release 4.2.1 in production: shared calendars open again.",
    )  # fmt: skip
    # Demo data is history: nobody is emailed about it.
    Notification.objects.filter(pk__gt=first_notification or 0).update(send_email=False)


_EMERGENCY_CAST = ("dana.desk", "sam.spec", "kim.spec", "sam.owner", "otto.duty", "cleo.change")


def _escalated_incident(
    people: dict[str, Any], service: Any, group: Any, specialist: str, title: str, text: str
) -> Any:
    """A request the specialist escalated to the service owner: its fix needs a change."""
    requester = (
        Person.objects.filter(role_assignments__role="requester", is_active=True)
        .order_by("pk")
        .first()
    )
    incident = incident_svc.incident_register(
        actor=people["dana.desk"], requester=requester, title=title, description=text,
        service=service, support_group=group, impact="2", urgency="1",
    )  # fmt: skip
    incident_svc.incident_take(actor=people[specialist], incident_id=incident.pk)
    return incident_svc.incident_assess_change(
        actor=people[specialist], incident_id=incident.pk, causes_service_unavailability=False,
        changes_service_functionality=True, requires_cmdb_update=True,
    )  # fmt: skip


def _asked(
    people: dict[str, Any], incident: Any, owner: str, specialist: str, category: str, note: str
) -> Any:
    """Proc. 5: the service owner (or on-duty manager) asks the specialist."""
    incident_svc.incident_handle_escalation(
        actor=people[owner], incident_id=incident.pk, decision="emergency_change",
        specialist=people[specialist], category=category, note=note,
    )  # fmt: skip
    return Change.objects.get(incidents=incident)


# --- calendar: planned events and the calendar ---------------------


def _calendar(context: dict[str, Any]) -> None:
    """The planned events and the calendar of the demo."""


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
