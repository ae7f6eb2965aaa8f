"""The generated access and write matrix (core/testing/matrix.py) for requests for change
and change policies (seed 003 ch. 3 proc. 1)."""

from typing import Any

from steward.changes.models import ChangePolicy, RequestForChange
from steward.changes.services import rfcs, templates
from steward.core import numbering
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
from steward.service_level.models import Service


def service(world: World) -> Service:
    found = Service(name=f"Mail {unique()}", status="active", provider=world.provider)
    numbering.assign(found)
    found.save()
    return found


NOT_NEEDED = {"causes_outage_in_service_hours": False, "functionality_changes": False,
              "cmdb_update": False}  # fmt: skip


def rfc(world: World) -> RequestForChange:
    return rfcs.rfc_submit(
        actor=world.admin, title=f"Raise the quota {unique()}", service_id=service(world).pk,
        source="known_error", origin_reference="KE1", **NOT_NEEDED,
    )  # fmt: skip


def rejected(world: World) -> RequestForChange:
    record = rfc(world)
    return rfcs.rfc_review(actor=world.admin, rfc_id=record.pk, decision="reject_not_needed")


def submission(world: World) -> dict[str, Any]:
    return {"title": "Return Mail", "service": service(world).pk, "source": "continuity",
            "origin_reference": "DR-1"}  # fmt: skip


def policy(world: World) -> ChangePolicy:
    return templates.change_policy_create(
        actor=world.admin, name=f"Freeze {unique()}", statement="No changes at month end."
    )


RFC = Case(
    "request for change",
    RequestForChange,
    rfc,
    api="requestforchange",
    sees=("analyst", "specialist", "admin"),
    refused=("requester", "representative"),
    # Any member of the provider's staff submits; customer-side people do not.
    create=Create(submission, blank="title", denied="requester"),
    steps=(
        Step(
            "review",
            rfc,
            status="rejected",
            payload={"decision": "reject_not_needed"},
            allowed="admin",
            denied="specialist",
            wrong_state=rejected,
        ),
    ),
    pages=Pages("changes:rfc", sees=("analyst",), refused=("requester",), form=submission),
)

POLICY = Case(
    "change policy",
    ChangePolicy,
    policy,
    api="changepolicy",
    sees=("analyst", "admin"),
    refused=("requester",),
    create=Create(
        {"name": "Database schema changes need a DBA", "statement": "Ask a DBA."}, blank="name"
    ),
    update=Update({"statement": "A DBA plans it with you."}),
)


class TestRfcsMatrix(MatrixTests):
    cases = [RFC, POLICY]
