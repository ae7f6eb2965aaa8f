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
