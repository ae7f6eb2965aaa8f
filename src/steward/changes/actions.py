"""The action tables of Change Management (``core.actions``): the buttons of the change,
request-for-change, task and planned-event pages (seed 003 ch. 3), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

from collections.abc import Mapping
from typing import Any

from steward.changes.forms.kpis import CausedIncidentForm
from steward.changes.queries import changes as change_queries
from steward.changes.services import kpis as kpi_svc
from steward.core.actions import Action, ActionTable, leading_to  # noqa: F401

_API = "steward.changes.api"

# The change's rows: each topic's section below adds its own (``CHANGE_ROWS += [...]``);
# the table is built at the end of the module, in the order the sections add them.
CHANGE_ROWS: list[Action] = []


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)


# --- templates: templates and policies -----------------------------
# (section owned by the templates topic)


# --- changes: changes: registration, analysis, planning (proc. 2) ---
# (section owned by the changes topic)


# --- approvals: approval (proc. 3) ---------------------------------
# (section owned by the approvals topic)


# --- tasks: tasks and implementation (proc. 4, 5) ------------------
# (section owned by the tasks topic)


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the closure topic)


# --- emergency: emergency changes (proc. 7, 8) ---------------------
# (section owned by the emergency topic)


# --- calendar: planned events and the calendar ---------------------
# (section owned by the calendar topic)


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
# Recording an incident request the change caused: a form in the panel (and
# .../caused-incident/ on the API); taking it back: each row's button on the page (its URL
# names the incident), .../caused-incident-remove/ with the incident in the body on the API.
def _caused_arguments(data: dict[str, Any]) -> dict[str, Any]:
    incident = data["incident"]
    return {"incident_id": getattr(incident, "pk", incident), "note": data.get("note") or ""}


def _incident_of_url(url: Mapping[str, Any]) -> dict[str, Any]:
    return {"incident_id": url["incident_pk"]}


def _was_implemented(actor: Any, change: Any) -> bool:
    return kpi_svc.was_implemented(change)


def _has_caused(actor: Any, change: Any) -> bool:
    return change.caused_incidents.exists()


CHANGE_ROWS += [
    Action("caused-incident", "Record a caused incident", kpi_svc.change_link_caused_incident,
           kpi_svc.COORDINATE, form_class=CausedIncidentForm,
           serializer=f"{_API}.kpis.ChangeCausedIncidentSerializer",
           arguments=_caused_arguments, when=_was_implemented, fragment="#caused-incidents",
           done="Recorded: the change caused this incident request.",
           summary="Record an incident request the change caused"),
    Action("caused-incident-remove", "Not caused by it", kpi_svc.change_unlink_caused_incident,
           kpi_svc.COORDINATE, serializer=f"{_API}.kpis.ChangeCausedIncidentSerializer",
           arguments=_caused_arguments, when=_has_caused, page=False,
           summary="Take back that the change caused an incident request"),
    Action("caused-incident-unlink", "Not caused by it", kpi_svc.change_unlink_caused_incident,
           kpi_svc.COORDINATE, route="caused-incidents/<int:incident_pk>/remove/",
           url_args=_incident_of_url, when=_has_caused, fragment="#caused-incidents",
           done="No longer recorded as caused by this change.", api=False),
]  # fmt: skip


# --- the change table, built from the sections' rows ------------------------------
# fmt: off
CHANGE = ActionTable(
    name="change", namespace="changes", prefix="changes", query_one=change_queries.change_for,
    record_arg="change_id", actions=CHANGE_ROWS,
)
# fmt: on
