"""The generated access and write matrix (core/testing/matrix.py) for incident requests
and solutions."""

from steward.core.testing.matrix import (
    Case,
    Create,
    MatrixTests,
    Pages,
    Step,
    Update,
    World,
    unique,
)
from steward.core.tests.factories import SupportGroupFactory
from steward.incidents.models import IncidentRequest, Solution
from steward.incidents.services import incidents, solutions


def incident(world: World) -> IncidentRequest:
    """A new request of the requester (Acme), registered by the desk."""
    return incidents.incident_register(
        actor=world.actor("analyst"), requester=world.actor("requester"), title=f"VPN {unique()}"
    )


def cancelled(world: World) -> IncidentRequest:
    record = incident(world)
    return incidents.incident_cancel(actor=world.actor("analyst"), incident_id=record.pk)


def proposed(world: World) -> Solution:
    group = SupportGroupFactory(name="Server team", organisation=world.provider)
    return solutions.solution_propose(
        actor=world.admin, title=f"Restart the spooler {unique()}", body="Restart it.",
        support_group=group,
    )  # fmt: skip


def active(world: World) -> Solution:
    record = proposed(world)
    return solutions.solution_activate(actor=world.admin, solution_id=record.pk, note="Internal.")


CUSTOMERS_ELSEWHERE = ("colleague", "other_requester", "other_representative")
# The desk's steps on a request: a requester may not take them, and none applies once it is
# cancelled.
DESK = {"allowed": "analyst", "denied": "requester", "wrong_state": cancelled}

INCIDENT = Case(
    "incident request",
    IncidentRequest,
    incident,
    api="incident",
    # A requester sees their own requests, a representative their organisation's.
    sees=("requester", "representative", "analyst", "specialist", "admin"),
    hidden=CUSTOMERS_ELSEWHERE,
    create=Create(
        {"title": "Printer jams"},
        blank="title",
        by="requester",
        # Registering for somebody else is the desk's job.
        denied="colleague",
        denied_payload=lambda world: {"title": "For you", "requester": world.actor("requester").pk},
    ),
    update=Update({"title": "VPN drops every hour"}, by="analyst", denied="requester"),
    steps=(
        Step("cancel", incident, status="cancelled", payload={"reason": "Duplicate."}, **DESK),
        Step("take", incident, status="in_progress", **DESK),
    ),
    # Customer-side people are sent on to the portal, which shows theirs only.
    pages=Pages(
        "incidents:incident",
        sees=("analyst", "specialist", "requester"),
        hidden=("other_requester",),
        form=lambda world: {
            "requester": world.actor("requester").pk,
            "channel": "phone",
            "title": "VPN drops",
            "service_type": "user_service_restoration",
            "impact": "3",
            "urgency": "2",
        },
        form_by="analyst",
    ),
)

SOLUTION = Case(
    "solution",
    Solution,
    active,
    api="solution",
    sees=("requester", "representative", "analyst", "specialist"),
    # Who proposed and decided it, and why, stay with the provider.
    secret_fields=("decision_note", "proposed_by", "decided_by", "support_group"),
    create=Create(
        lambda world: {
            "title": "Clear the cache",
            "body": "Clear it.",
            "support_group": SupportGroupFactory(name="Desk").pk,
        },
        missing="body",
        by="specialist",
        denied="requester",
    ),
    update=Update({"title": "Restart the print spooler"}, denied="operations_manager"),
    steps=(
        Step("activate", proposed, status="active", wrong_state=active),
        Step("retire", active, denied="specialist", status="retired", wrong_state=proposed),
    ),
    pages=Pages("incidents:solution", sees=("analyst", "specialist"), shown_as="title"),
)

PROPOSED_SOLUTION = Case(
    "proposed solution",
    Solution,
    proposed,
    api="solution",
    # Not yet for general use: the provider's only.
    sees=("analyst", "specialist", "admin"),
    hidden=("requester", "representative"),
)


class TestIncidentsMatrix(MatrixTests):
    cases = [INCIDENT, SOLUTION, PROPOSED_SOLUTION]
