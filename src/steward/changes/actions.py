"""The action tables of Change Management (``core.actions``): the buttons of the change,
request-for-change, task and planned-event pages (seed 003 ch. 3), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

from steward.changes.queries import changes as change_queries
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
from steward.changes.forms.calendar import PlannedEventCancelForm  # noqa: E402
from steward.changes.queries import calendar as calendar_queries  # noqa: E402
from steward.changes.services import calendar as calendar_services  # noqa: E402

# The planned event's page and ``POST /api/v1/planned-events/{id}/cancel/``. The right is
# checked without the event as scope: the service decides by the event's services.
# fmt: off
PLANNED_EVENT = ActionTable(
    name="planned-event", namespace="changes", prefix="planned-events",
    query_one=calendar_queries.planned_event_for, record_arg="planned_event_id", actions=[
    Action("cancel", "Cancel the event", calendar_services.planned_event_cancel,
           calendar_services.CHANGE, form_class=PlannedEventCancelForm, style="danger",
           record_permission=False, when=lambda actor, event: not event.is_cancelled,
           ask="Take this event off the calendar?",
           done=lambda p: f"{p.record.number} is cancelled; it no longer conflicts with changes."),
])
# fmt: on


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)


# --- the change table, built from the sections' rows ------------------------------
# fmt: off
CHANGE = ActionTable(
    name="change", namespace="changes", prefix="changes", query_one=change_queries.change_for,
    record_arg="change_id", actions=CHANGE_ROWS,
)
# fmt: on
