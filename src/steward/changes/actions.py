"""The action tables of Change Management (``core.actions``): the buttons of the change,
request-for-change, task and planned-event pages (seed 003 ch. 3), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

from steward.changes.forms import rfcs as rfc_forms
from steward.changes.queries import changes as change_queries
from steward.changes.queries import rfcs as rfc_queries
from steward.changes.services import rfcs as rfc_svc
from steward.core.actions import Action, ActionTable, leading_to  # noqa: F401

_API = "steward.changes.api"

# The change's rows: each topic's section below adds its own (``CHANGE_ROWS += [...]``);
# the table is built at the end of the module, in the order the sections add them.
CHANGE_ROWS: list[Action] = []


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)
# The request for change's own table: the change coordinator's review (proc. 1), one
# form whose decision the service checks against ``rules.review_request_for_change``.
# fmt: off
RFC = ActionTable(
    name="rfc", namespace="changes", prefix="requests-for-change",
    query_one=rfc_queries.rfc_for, record_arg="rfc_id", actions=[
    Action("review", "Review", rfc_svc.rfc_review, rfc_svc.REVIEW, ("submitted",),
           form_class=rfc_forms.RfcReviewForm, serializer=f"{_API}.rfcs.RfcReviewSerializer",
           arguments=rfc_forms.review_arguments, initial=rfc_forms.review_initial,
           done=lambda posted: f"Reviewed: {posted.result.get_status_display().lower()}.",
           help="Record your decision; the system checks it against procedure 1.",
           summary="Review: register, add to a change, reject or hand to Release Management"),
])
# fmt: on


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


# --- the change table, built from the sections' rows ------------------------------
# fmt: off
CHANGE = ActionTable(
    name="change", namespace="changes", prefix="changes", query_one=change_queries.change_for,
    record_arg="change_id", actions=CHANGE_ROWS,
)
# fmt: on
