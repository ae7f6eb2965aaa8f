"""The action tables of Change Management (``core.actions``): the buttons of the change,
request-for-change, task and planned-event pages (seed 003 ch. 3), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

from typing import Any

from steward.changes.choices import ApprovalDecision, ChangeStatus
from steward.changes.forms.approvals import ChangeReviewForm
from steward.changes.queries import approvals as approval_queries
from steward.changes.queries import changes as change_queries
from steward.changes.services import approvals as approval_svc
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


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the closure topic)


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


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)


# --- the change table, built from the sections' rows ------------------------------
# fmt: off
CHANGE = ActionTable(
    name="change", namespace="changes", prefix="changes", query_one=change_queries.change_for,
    record_arg="change_id", actions=CHANGE_ROWS,
)
# fmt: on
