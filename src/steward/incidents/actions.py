"""The action tables of Incident Management (``core.actions``): an incident request's steps
(seed 003 ch. 8, procedures 2-6; IRP SG1) and a solution's decisions (procedure 7). Each
step once, from which come the record page's buttons and forms, their URLs
(``incidents:incident-<key>``), the API's ``POST /api/v1/incidents/{id}/<key>/`` and the
request's next steps. The services check everything again."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from steward.core import permissions
from steward.core.actions import Action, ActionTable, row_in
from steward.core.roles import is_desk
from steward.incidents import forms as f
from steward.incidents import workflows
from steward.incidents.api import steps as api
from steward.incidents.choices import Escalation, SolutionStatus
from steward.incidents.choices import IncidentStatus as S
from steward.incidents.models import IncidentRequest, Solution
from steward.incidents.queries import incidents as queries
from steward.incidents.queries import solutions as solution_queries
from steward.incidents.services import actions as action_svc
from steward.incidents.services import incidents as svc
from steward.incidents.services import solutions as solution_svc
from steward.incidents.services.people import is_coordinator, may_work

WORK = "incidents.incident.work"
ASSIGN = "incidents.incident.assign"
ESCALATE = "incidents.incident.escalate"
CLOSE = "incidents.incident.close"
VERIFY = "incidents.incident.verify"
ACTIVE = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING)
WORKING = (S.ASSIGNED, S.IN_PROGRESS)


def _action_at(incident: IncidentRequest, url: Mapping[str, Any]) -> Any:
    return incident.actions.filter(position=url["position"])


def _works(actor: Any, obj: IncidentRequest) -> bool:
    return may_work(actor, obj)


def _may_take(actor: Any, obj: IncidentRequest) -> bool:
    if not may_work(actor, obj):
        return False
    if obj.assignee_id in (None, actor.pk):
        return True
    return is_desk(actor) or is_coordinator(actor, obj.support_group)


def _may_assign(actor: Any, obj: IncidentRequest) -> bool:
    return is_desk(actor) or is_coordinator(actor, obj.support_group)


def _coordinates(actor: Any, obj: IncidentRequest) -> bool:
    return is_coordinator(actor, obj.support_group)


def _escalated(actor: Any, obj: IncidentRequest) -> bool:
    return obj.escalation == Escalation.SERVICE_OWNER


def _may_escalate(actor: Any, obj: IncidentRequest) -> bool:
    allowed = workflows.ESCALATION.allowed(obj.escalation)
    return may_work(actor, obj) and Escalation.SERVICE_OWNER in allowed


def _may_verify(actor: Any, obj: IncidentRequest) -> bool:
    return obj.requester_id == actor.pk or is_desk(actor)


def _may_inform(actor: Any, obj: IncidentRequest) -> bool:
    return may_work(actor, obj) and obj.problem_coordinator_informed_at is None


# fmt: off
INCIDENT = ActionTable(
    name="incident", namespace="incidents", prefix="incidents", services=svc,
    query_one=queries.incident_for, record_arg="incident_id", actions=[
    Action("take", "Take it", "incident_take", WORK, (S.NEW, S.ASSIGNED),
           style="primary", done="It is yours now.", when=_may_take,
           summary="Take the request: assigned to you, in progress"),
    Action("assign", "Assign", "incident_assign", ASSIGN, ACTIVE, f.AssignForm,
           api.IncidentAssignSerializer, done="Assigned.", when=_may_assign,
           initial=lambda obj: {"support_group": obj.support_group_id},
           fields_template="incidents/partials/assign_fields.html",
           help="Choose the group and, as its coordinator, the specialist with the skills, "
                "availability and access rights.",
           summary="Assign a group and/or a person (procedures 2 and 3)"),
    Action("send-back", "Send back to the desk", "incident_send_back", ASSIGN, WORKING,
           f.SendBackForm, api.IncidentSendBackSerializer,
           done="Sent back to the service desk.", when=_coordinates,
           help="Procedure 2: information is missing, or it reached the wrong group.",
           summary="Send it back to the service desk (procedure 2)"),
    Action("assess-change", "Assess for Change Management", "incident_assess_change", WORK,
           (S.ASSIGNED, S.IN_PROGRESS, S.PENDING), f.AssessChangeForm,
           api.IncidentAssessChangeSerializer, when=_works, done="Assessment recorded.",
           help="An incident may not be resolved without Change Management when any answer "
                "is yes: the coordinator hands it to the service's change coordinator, a "
                "specialist escalates it to the service owner.",
           summary="Assess whether the resolution needs Change Management (procedures 2 "
                   "and 4)",
           description="Any yes: the group coordinator hands it to the service's change "
                       "coordinator; a specialist escalates it to the service owner."),
    Action("pending", "Set pending", "incident_set_pending", WORK, WORKING, f.PendingForm,
           api.IncidentPendingSerializer, done="Pending.", when=_works,
           help="Waiting on the requester or a supplier pauses the SLA clocks. A note to the "
                "requester is sent as a public reply.",
           summary="Set pending (waiting on the requester or a supplier pauses the clocks)"),
    # The page resumes with a button; the API takes an optional note.
    Action("resume", "Resume", "incident_resume", WORK, (S.PENDING,), None,
           api.IncidentNoteSerializer, style="primary", done="Resumed.", when=_works,
           summary="Resume a pending request"),
    Action("escalate", "Escalate to the service owner", "incident_escalate", WORK, ACTIVE,
           f.NoteOnlyForm, api.IncidentNoteSerializer, done="Escalated to the service owner.",
           when=_may_escalate,
           help="Procedures 3 and 4: a service outage past its resolution threshold, or a "
                "resolution that needs Change Management.",
           summary="Escalate to the service owner (procedures 3 and 4)"),
    Action("handle-escalation", "Decide on the escalation", "incident_handle_escalation",
           ESCALATE, ACTIVE, f.HandleEscalationForm, api.IncidentEscalationDecisionSerializer,
           done="Decision recorded.", when=_escalated,
           help="Procedure 5: talk to the specialists first.",
           summary="Decide on an escalated incident (procedure 5, service owner)"),
    Action("resolve", "Resolve", "incident_resolve", WORK, ACTIVE, f.ResolveForm,
           api.IncidentResolveSerializer, style="primary",
           done="Resolved: the requester has been told.", when=_works,
           initial=lambda obj: {"solution": obj.solution_id},
           summary="Resolve (procedures 4 and 6); refused while an action is open"),
    Action("accept", "Accept the solution", "incident_accept", VERIFY, (S.RESOLVED,),
           style="primary", done="Closed.", when=_may_verify,
           summary="Accept the solution: closed (procedure 6, the requester)"),
    Action("close", "Close for the requester", "incident_close", CLOSE, (S.RESOLVED,),
           done="Closed on the requester's behalf.",
           summary="Close a resolved request on the requester's behalf (service desk)"),
    Action("reopen", "Reopen", "incident_reopen", VERIFY, (S.RESOLVED,), f.ReopenForm,
           api.IncidentReopenSerializer, done="Reopened.", when=_may_verify,
           summary="Reopen: the solution does not work (procedure 6)"),
    Action("inform-problem-coordinator", "Inform the problem coordinator",
           "incident_inform_problem_coordinator", WORK,
           (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.RESOLVED, S.CLOSED), f.NoteOnlyForm,
           api.IncidentNoteSerializer, done="The problem coordinator has been informed.",
           when=_may_inform,
           help="Procedure 4: a workaround was provided and the incident is likely to recur.",
           summary="Inform the problem coordinator: the incident is likely to recur "
                   "(procedure 4)"),
    Action("cancel", "Cancel the request", "incident_cancel", CLOSE, ACTIVE, f.ReasonForm,
           api.IncidentReasonSerializer, style="danger", done="Cancelled.",
           help="Registered by mistake: a duplicate, or not an incident.",
           summary="Cancel a request registered by mistake (service desk)"),
    # An action (task) on the request: its form is in the page's actions card, and the
    # API adds one with POST .../{id}/actions/.
    Action("action", "Add action", action_svc.action_add, WORK, form_class=f.ActionForm,
           when=_works, route="actions/", url_name="incident-action-add",
           fragment="#actions", done="Action added.", in_panel=False, api=False),
    Action("action-complete", "Done", action_svc.action_complete, WORK,
           form_class=f.ActionCompleteForm, route="actions/<int:position>/complete/",
           row=row_in(_action_at, "No such action."), row_arg="action_id",
           fragment="#actions", done=lambda p: f"Action {p.row.position} done.", api=False),
])
# fmt: on


def _activation(data: dict[str, Any]) -> dict[str, Any]:
    """The coordinator's improvements to the text, apart from the note on the decision."""
    note = data.pop("note", "")
    return {"data": data, "note": note}


_SOLUTIONS_API = "steward.incidents.api.solutions"


def _approves(actor: Any, solution: Solution) -> bool:
    return solution_queries.may_approve(actor, solution)


def _may_resubmit(actor: Any, solution: Solution) -> bool:
    # The page's role stays "view": the proposer's right is checked on the record here.
    may = solution.proposed_by_id == actor.pk or solution_queries.may_approve(actor, solution)
    return may and permissions.has(actor, solution_svc.PROPOSE, solution)


# Procedure 7: the group coordinator decides on a proposed solution; the solution page
# lays the decision forms out itself and offers the buttons in its header.
# fmt: off
SOLUTION = ActionTable(
    name="solution", namespace="incidents", prefix="solutions", services=solution_svc,
    query_one=solution_queries.solution_for, record_arg="solution_id",
    page_permission=solution_queries.VIEW, actions=[
    Action("activate", "Activate", "solution_activate", form_class=f.ActivateForm,
           serializer=f"{_SOLUTIONS_API}.SolutionActivateSerializer", own_ids=False,
           arguments=_activation,
           done="Activated: the solution is available for general use.",
           summary="Activate a proposed solution, after improving it (procedure 7)"),
    Action("reject", "Reject", "solution_reject", form_class=f.RejectForm,
           serializer=f"{_SOLUTIONS_API}.SolutionRejectSerializer", own_ids=False,
           done="Rejected: the proposer is told why.",
           summary="Reject a proposed solution (procedure 7)"),
    Action("retire", "Retire", "solution_retire", statuses=(SolutionStatus.ACTIVE,),
           serializer=f"{_SOLUTIONS_API}.SolutionNoteSerializer", style="danger",
           ask="Take this solution out of general use?", when=_approves,
           done="Retired: no longer suggested.",
           summary="Take an active solution out of general use"),
    Action("reactivate", "Reactivate", "solution_reactivate", statuses=(SolutionStatus.RETIRED,),
           serializer=f"{_SOLUTIONS_API}.SolutionNoteSerializer", when=_approves,
           done="Back in general use.",
           summary="Put a retired solution back into general use"),
    Action("resubmit", "Propose again", "solution_resubmit", statuses=(SolutionStatus.REJECTED,),
           when=_may_resubmit, done="Proposed again: the group coordinator is asked.",
           summary="Propose a rejected solution again"),
])
# fmt: on


def _portal_url(incident: IncidentRequest) -> str:
    return reverse("incidents:portal-detail", args=[incident.pk])


# The requester's page in the portal (procedure 6 and the conversation): the forms lay
# themselves out there; the API's own steps are the incident's above.
# fmt: off
PORTAL = ActionTable(
    name="portal", namespace="incidents", prefix="portal", services=svc,
    query_one=queries.incident_for, record_arg="incident_id", record_url=_portal_url,
    page_permission="incidents.incident.view", actions=[
    Action("reply", "Send", "incident_add_reply", form_class=f.PortalReplyForm, own_ids=False,
           arguments=lambda data: {"body": data["body"]}, fragment="#conversation",
           done="Your reply has been sent.", api=False),
    Action("accept", "Accept", "incident_accept", VERIFY,
           done="Thank you for confirming. The request is closed.", api=False),
    Action("reopen", "Reopen", "incident_reopen", VERIFY, form_class=f.PortalReopenForm,
           own_ids=False, arguments=lambda data: {"reason": data["reason"]},
           done="Reopened: the service desk looks at it again.", api=False),
])
# fmt: on
