"""The action tables of Change Management (``core.actions``): the buttons of the change,
request-for-change, task and planned-event pages (seed 003 ch. 3), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

from collections.abc import Mapping
from typing import Any

from steward.changes.choices import ApprovalDecision, ChangeStatus
from steward.changes.forms import rfcs as rfc_forms
from steward.changes.forms.approvals import ChangeReviewForm
from steward.changes.forms.kpis import CausedIncidentForm
from steward.changes.queries import approvals as approval_queries
from steward.changes.queries import changes as change_queries
from steward.changes.queries import rfcs as rfc_queries
from steward.changes.services import approvals as approval_svc
from steward.changes.services import kpis as kpi_svc
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
from steward.changes import rules as _rules  # noqa: E402
from steward.changes import workflows as _workflows  # noqa: E402
from steward.changes.choices import ChangeStatus as _C  # noqa: E402
from steward.changes.forms import changes as _forms  # noqa: E402
from steward.changes.services import changes as _changes  # noqa: E402
from steward.changes.services import planning as _planning  # noqa: E402


def _not_emergency(actor: object, change: object) -> bool:
    return getattr(change, "change_type", "") != "emergency"


def _analysed(actor: object, change: object) -> bool:
    return getattr(change, "analysed_at", None) is not None


def _needs_availability_help(actor: object, change: object) -> bool:
    return getattr(change, "availability_help_requested_at", None) is None and (
        _rules.needs_availability_manager(
            infrastructure_changes=getattr(change, "infrastructure_changes", None)
        )
    )


def _cancellable(actor: object, change: object) -> bool:
    workflow = _workflows.for_change(getattr(change, "change_type", ""))
    return workflow.can(getattr(change, "status", ""), _C.CANCELLED)


# fmt: off
CHANGE_ROWS += [
    Action("start-analysis", "Start the risk and impact analysis",
           _planning.change_start_analysis, _changes.COORDINATE, (_C.REGISTERED,),
           when=_not_emergency, style="primary",
           done="The risk and impact analysis has started.",
           summary="Start the risk and impact analysis (registered -> risk analysis)"),
    Action("analyse", "Record the risk and impact analysis", _planning.change_analyse,
           _changes.COORDINATE, (_C.RISK_ANALYSIS, _C.PLANNING), _forms.AnalysisForm,
           serializer=f"{_API}.changes.ChangeAnalysisSerializer",
           initial=_forms.analysis_initial, done="The risk and impact analysis is recorded.",
           help="The answers and the CMDB impact of the change's CIs give its risk level.",
           summary="Record the risk and impact analysis (questionnaire and CMDB impact)"),
    Action("request-availability-help", "Ask the availability manager for help",
           _planning.change_request_availability_help, _changes.COORDINATE,
           (_C.RISK_ANALYSIS, _C.PLANNING), _forms.AvailabilityHelpForm,
           when=_needs_availability_help, done="The availability manager was asked for help.",
           summary="Ask the availability manager for the service infrastructure design"),
    Action("finish-analysis", "Go on to planning", _planning.change_finish_analysis,
           _changes.COORDINATE, (_C.RISK_ANALYSIS,), when=_analysed, style="primary",
           done="The analysis is done: plan the implementation.",
           summary="Finish the analysis (risk analysis -> planning)"),
    Action("submit-plan", "Submit the plan", _planning.change_submit_plan, _changes.COORDINATE,
           (_C.PLANNING,), style="primary",
           ask="Submit the plan: for approval (a standard change: for implementation)?",
           done="The plan is submitted.",
           summary="Submit the plan: to approval, or a standard change to implementation"),
    Action("cancel", "Cancel the change", _changes.change_cancel, _changes.COORDINATE,
           form_class=_forms.CancelForm, when=_cancellable, style="danger",
           done="The change is cancelled; its requesters are told.",
           summary="Cancel the change (requesters told)"),
]
# fmt: on


# --- approvals: approval (proc. 3) ---------------------------------
# (section owned by the approvals topic)
# The change manager reviews a change in approval while no round is being collected; the
# approvers of the current round approve or reject (on the API here; on the pages from the
# approvals section and the signed link: views/approvals.py, whose forms customer
# representatives, who do not see the staff record page, use too).


def _review_arguments(data: dict) -> dict:
    policy = data.get("policy")
    return {
        "review": data["review"],
        "note": data.get("note", ""),
        "policy_id": getattr(policy, "pk", policy),
    }


def _decision_arguments(data: dict) -> dict:
    data = dict(data)
    approval = data.pop("approval", None)
    return {**data, "approval_id": approval} if approval else data


def _section_form(url_kwargs: Any) -> dict:
    # The review form is drawn by the approvals section, beside the conflicts the manager
    # must see first (not the panel): posted "from a row", a refusal comes back there as
    # a message.
    return {}


CHANGE_ROWS += [
    Action("review", "Review for approval", approval_svc.change_manager_review,
           approval_svc.MANAGE, (ChangeStatus.APPROVAL,), form_class=ChangeReviewForm,
           serializer=f"{_API}.approvals.ChangeReviewSerializer",
           arguments=_review_arguments, when=lambda actor, change: not approval_svc.collecting(change),
           url_args=_section_form, done="Your review is recorded.", fragment="#approvals",
           summary="The change manager's review: collect the approvals, or send it back (proc. 3)"),
    Action("approve", "Approve", approval_svc.change_approve, approval_svc.APPROVE,
           (ChangeStatus.APPROVAL,), serializer=f"{_API}.approvals.ChangeApproveSerializer",
           record_permission=False, page=False, when=approval_svc.is_pending_approver,
           arguments=_decision_arguments,
           summary="Approve the change (a pending approver of the current round)"),
    Action("reject", "Reject", approval_svc.change_reject, approval_svc.APPROVE,
           (ChangeStatus.APPROVAL,), serializer=f"{_API}.approvals.ChangeRejectSerializer",
           record_permission=False, page=False, when=approval_svc.is_pending_approver,
           arguments=_decision_arguments,
           summary="Reject the change, saying why (a pending approver of the current round)"),
]  # fmt: skip

_PENDING = (ApprovalDecision.PENDING,)


def _asked_now(actor: Any, approval: Any) -> bool:
    change = approval.change
    return (
        approval.approver_id == getattr(actor, "pk", None)
        and approval.round == change.approval_round
        and change.status == ChangeStatus.APPROVAL
    )


# One approver's approval: /api/v1/change-approvals/{id}/approve/ and .../reject/, for
# every approver, customer representatives included (who have no /api/v1/changes/).
# fmt: off
CHANGE_APPROVAL = ActionTable(
    name="change-approval", namespace="changes", prefix="changes/approvals",
    query_one=approval_queries.approval_for, record_arg="approval_id",
    record_url=lambda approval: approval_svc.approval_link(approval),
    status_field="decision",
    actions=[
        Action("approve", "Approve", approval_svc.approval_approve, approval_svc.APPROVE,
               serializer=f"{_API}.approvals.ApprovalNoteSerializer", record_permission=False,
               statuses=_PENDING, when=_asked_now, page=False, summary="Approve the change of this approval (its approver)"),
        Action("reject", "Reject", approval_svc.approval_reject, approval_svc.APPROVE,
               serializer=f"{_API}.approvals.ApprovalRejectSerializer",
               record_permission=False, statuses=_PENDING, when=_asked_now, page=False,
               summary="Reject the change of this approval, saying why (its approver)"),
    ],
)
# fmt: on


# --- tasks: tasks and implementation (proc. 4, 5) ------------------
# (section owned by the tasks topic)
from steward.changes.choices import TaskStatus as _T  # noqa: E402
from steward.changes.forms import tasks as task_forms  # noqa: E402
from steward.changes.queries import tasks as task_queries  # noqa: E402
from steward.changes.services import tasks as task_svc  # noqa: E402


def _coordinates(actor: Any, change: Any) -> bool:
    return task_svc.may_coordinate(actor, change)


def _works(actor: Any, task: Any) -> bool:
    return task.kind != "production_test" and task_svc.may_work(actor, task)


def _assigns(actor: Any, task: Any) -> bool:
    return task_svc.may_assign(actor, task)


def _task_page(task: Any) -> str:
    return task.change.get_absolute_url() + "#tasks"


# The task form is laid out by the tasks section of the change page (not in the panel);
# the API adds tasks with POST /api/v1/change-tasks/.
CHANGE_ROWS += [
    Action("task-add", "Add task", task_svc.task_add, task_svc.COORDINATE, task_svc.ADDING_STATUSES,
           task_forms.TaskAddForm, when=_coordinates, arguments=task_forms.add_arguments,
           in_panel=False, api=False, fragment="#tasks", done="Task added."),
]  # fmt: skip

# fmt: off
TASK = ActionTable(
    name="change-task", namespace="changes", prefix="change-tasks",
    query_one=task_queries.task_for, record_arg="task_id", record_url=_task_page, actions=[
    Action("assign", "Assign", task_svc.task_assign, task_svc.WORK, (_T.WAITING, _T.OPEN),
           task_forms.TaskAssignForm, when=_assigns, record_permission=False,
           arguments=task_forms.assign_arguments, done="Task assigned.",
           summary="Hand the task to a person of its group (or to another group)"),
    Action("complete", "Complete", task_svc.task_complete, task_svc.WORK, (_T.OPEN,),
           task_forms.TaskResultForm, when=_works, record_permission=False, style="primary",
           done="Task completed.", summary="Complete the task: the tasks after it open"),
    Action("fail", "Failed", task_svc.task_fail, task_svc.WORK, (_T.OPEN,),
           task_forms.TaskFailForm, when=_works, record_permission=False, style="danger",
           done="Task recorded as failed; the change coordinator is told.",
           summary="Record that the task failed (customer testing not passed...)"),
    Action("cancel", "Cancel task", task_svc.task_cancel, task_svc.COORDINATE,
           (_T.WAITING, _T.OPEN), task_forms.TaskCancelForm,
           when=lambda actor, task: task_svc.may_coordinate(actor, task.change),
           done="Task cancelled.", summary="Cancel a task no longer needed (change coordinator)"),
])
# fmt: on


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the closure topic)
from steward.changes.choices import ChangeStatus as _C  # noqa: E402
from steward.changes.forms.closure import ProductionTestForm  # noqa: E402
from steward.changes.services import closure as closure_svc  # noqa: E402


def _tests(actor: Any, change: Any) -> bool:
    return change.change_type != "emergency" and closure_svc.may_test(actor, change)


def _closes(actor: Any, change: Any) -> bool:
    return (
        change.change_type != "emergency"
        and task_svc.may_coordinate(actor, change)
        and not closure_svc.closing_refusal(change)
    )


CHANGE_ROWS += [
    Action("production-test", "Record the production test", closure_svc.change_production_test,
           task_svc.WORK, (_C.PRODUCTION_TEST,), ProductionTestForm, when=_tests,
           serializer=f"{_API}.closure.ChangeProductionTestSerializer", record_permission=False, style="primary", done="Production test recorded.",
           help="All met: the CMDB, capacity and continuity updates follow. Not met: it is "
           "backed out when it is no improvement or risks security or data integrity, "
           "otherwise it gets additional tasks.",
           summary="Record the production test (met, back out, or additional tasks)"),
    Action("close", "Close", closure_svc.change_close, task_svc.COORDINATE, (_C.PRODUCTION_TEST,),
           when=_closes, style="primary", serializer=f"{_API}.closure.ChangeCloseSerializer",
           ask="Close the change? Its requesters and approvers are told.",
           done="Change closed; its requesters and approvers are told.",
           summary="Close the change (its requesters and approvers are told)"),
]  # fmt: skip


# --- emergency: emergency changes (proc. 7, 8) ---------------------
# (section owned by the emergency topic)
from steward.changes.choices import ChangeCategory, ChangeStatus, ChangeType  # noqa: E402
from steward.changes.forms import emergency as emergency_forms  # noqa: E402
from steward.changes.services import emergency as emergency_svc  # noqa: E402


def _implements(actor: object, change: object) -> bool:
    return change.change_type == ChangeType.EMERGENCY and emergency_svc.is_implementer(
        actor, change
    )


def _transfers(actor: object, change: object) -> bool:
    return _implements(actor, change) and change.category == ChangeCategory.APPLICATION


def _registers(actor: object, change: object) -> bool:
    return change.change_type == ChangeType.EMERGENCY and emergency_svc.coordinates(actor, change)


# fmt: off
CHANGE_ROWS += [
    Action("emergency-transfer", "Ask for a release transfer", emergency_svc.emergency_change_transfer,
           emergency_svc.IMPLEMENT, (ChangeStatus.IMPLEMENTATION,),
           emergency_forms.EmergencyTransferForm, f"{_API}.emergency.EmergencyTransferSerializer",
           done="The release administrator has been asked.", when=_transfers,
           help="Procedure 7: a release administrator transfers the new release to the test "
                "environment (you test it there) and, once it passed, to production.",
           summary="Ask a release administrator to transfer an emergency change's release "
                   "(procedure 7)"),
    Action("emergency-test", "Record the production test", emergency_svc.emergency_change_test,
           emergency_svc.IMPLEMENT, (ChangeStatus.IMPLEMENTATION,),
           emergency_forms.EmergencyTestForm, f"{_API}.emergency.EmergencyTestSerializer",
           style="primary", when=_implements,
           done=lambda p: "Production test recorded: "
                + ("the incident is resolved and the change coordinator asked to register it."
                   if p.result.status == ChangeStatus.REGISTERED
                   else "back to implementation; the service owner has been told."),
           help="Procedure 8: successful completes the incident (your note is its solution) "
                "and asks the change coordinator to register the change; unsuccessful tells "
                "the service owner, to discuss the situation.",
           summary="Record the production test of an emergency change (procedure 8)"),
    Action("emergency-register", "Register and close", emergency_svc.emergency_change_register,
           emergency_svc.COORDINATE, (ChangeStatus.REGISTERED,),
           emergency_forms.EmergencyRegisterForm, f"{_API}.emergency.EmergencyRegisterSerializer",
           style="primary", when=_registers,
           done="Registered and closed: the service owner has been informed by email.",
           help="Procedure 8: record the CMDB and Capacity Management updates; the service "
                "owner (and the on-duty manager who asked for it) are informed by email.",
           summary="Register an implemented emergency change and close it (procedure 8)"),
]
# fmt: on


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
