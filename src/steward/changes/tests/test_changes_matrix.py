"""The generated access and write matrix (core/testing/matrix.py) for changes: who reads
them, registration, the edit (If-Match), the planning steps (proc. 2) and the pages."""

from datetime import timedelta

from django.utils import timezone

from steward.changes.models import Change
from steward.changes.services import changes as svc
from steward.changes.services import planning
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

CALM = {
    "causes_outage": False,
    "functionality_changes": False,
    "cmdb_update": False,
    "infrastructure_changes": False,
    "tested": True,
    "backout_tested": True,
    "users_affected": "none",
}


def service(world: World) -> Service:
    made = Service(name=f"E-mail {unique()}", status="active", provider=world.provider)
    numbering.assign(made)
    made.save()
    return made


def change(world: World) -> Change:
    """A registered change, by the administrator (who coordinates every service)."""
    return svc.change_register(
        actor=world.admin, title="Upgrade the mail server", service_id=service(world).pk
    )


def analysing(world: World) -> Change:
    record = change(world)
    return planning.change_start_analysis(actor=world.admin, change_id=record.pk)


def analysed(world: World) -> Change:
    record = analysing(world)
    return planning.change_analyse(actor=world.admin, change_id=record.pk, **CALM)


def planned(world: World) -> Change:
    record = analysed(world)
    start = timezone.now() + timedelta(days=7)
    data = {"planned_start": start, "planned_end": start + timedelta(hours=2),
            "plan": "Swap it.", "backout_plan": "Swap it back."}  # fmt: skip
    svc.change_update(actor=world.admin, change_id=record.pk, data=data)
    return planning.change_finish_analysis(actor=world.admin, change_id=record.pk)


def cancelled(world: World) -> Change:
    record = change(world)
    return svc.change_cancel(actor=world.admin, change_id=record.pk, reason="Not needed.")


CHANGE = Case(
    "change",
    Change,
    change,
    api="change",
    sees=("analyst", "specialist", "admin", "change_coordinator"),
    refused=("requester",),
    create=Create(
        lambda world: {"title": "Add a mail relay", "service": service(world).pk}, blank="title"
    ),
    update=Update({"title": "Add two mail relays"}, denied="specialist"),
    steps=(
        Step("start-analysis", change, status="risk_analysis", wrong_state=analysing),
        Step("analyse", analysing, status="risk_analysis", payload=CALM, wrong_state=change),
        Step("finish-analysis", analysed, status="planning", wrong_state=change),
        Step("submit-plan", planned, status="approval", wrong_state=analysing),
        Step(
            "cancel",
            change,
            status="cancelled",
            payload={"reason": "Not needed."},
            wrong_state=cancelled,
        ),
    ),
    pages=Pages(
        "changes:change",
        sees=("analyst", "admin"),
        form=lambda world: {
            "title": "Add a mail relay",
            "service": service(world).pk,
            "change_type": "normal",
            "category": "infrastructure",
        },
    ),
)


class TestChangesMatrix(MatrixTests):
    cases = [CHANGE]
