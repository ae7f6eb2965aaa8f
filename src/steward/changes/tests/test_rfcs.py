"""Seed 003 ch. 3 proc. 1, Request for Change Review, through the services: submission
from the sources and every branch of the change coordinator's review, worded as the seed
words them; who may review; what the rule refuses."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.changes.choices import ChangeStatus, ChangeType, RfcSource, RfcStatus
from steward.changes.models import ChangeTemplate, RequestForChange, TaskTemplate
from steward.changes.services import rfcs as svc
from steward.changes.services import templates as tpl
from steward.core.errors import InvalidTransition
from steward.core.models import Notification
from steward.core.testing.journal import journal_of
from steward.core.tests.factories import staff_fixture

release_coordinator = staff_fixture(
    "release_coordinator", "release_coordinator", "relcoord", scope="service"
)
other_coordinator = staff_fixture(
    "other_coordinator", "change_coordinator", "othercoord", scope="other_service"
)

NEEDS_CHANGE = {"causes_outage_in_service_hours": True, "functionality_changes": False,
                "cmdb_update": True}  # fmt: skip
PROBLEM_FIX = {"problem_fix": True, "single_coordinator": True, "extra_funding": False}


def events(person: Any, rfc: RequestForChange) -> list[str]:
    found = Notification.objects.filter(
        recipient=person, record_id=rfc.pk, event__startswith="rfc."
    )
    return list(found.order_by("pk").values_list("event", flat=True))


def bodies(person: Any) -> str:
    return " ".join(Notification.objects.filter(recipient=person).values_list("body", flat=True))


@pytest.fixture
def world(change_manager, server_group):
    """The reference data: a policy, a standard and a normal template with task templates."""
    policy = tpl.change_policy_create(
        actor=change_manager,
        name="No changes to production on the last business day of the month",
        statement="Production is frozen on the last business day of each month.",
    )
    standard = tpl.change_template_create(
        actor=change_manager, name="Patch a Linux server", change_type="standard",
        plan="Apply the vendor's patches.", backout_plan="Restore the snapshot.",
    )  # fmt: skip
    for name, kind in (("Take a snapshot", "preparation"), ("Patch", "implementation")):
        tpl.task_template_create(actor=change_manager, change_template=standard, name=name,
                                 kind=kind, support_group=server_group)  # fmt: skip
    normal = tpl.change_template_create(actor=change_manager, name="Upgrade a database")
    extra = tpl.task_template_create(
        actor=change_manager, name="Tell the DBA", kind="preparation", support_group=server_group
    )
    return {"policy": policy, "standard": standard, "normal": normal, "extra": extra}


@pytest.fixture
def submit(specialist, service, change_coordinator, change_manager):
    """Submit a request for change on E-mail as the specialist (fields override)."""

    def make(**fields: Any) -> RequestForChange:
        fields.setdefault("title", "Raise the mailbox quota")
        fields.setdefault("service_id", service.pk)
        fields.setdefault("source", RfcSource.KNOWN_ERROR)
        if fields["source"] in svc.REFERENCED:
            fields.setdefault("origin_reference", "KE000042")
        actor = fields.pop("actor", specialist)
        return svc.rfc_submit(actor=actor, **fields)

    return make


def review(rfc: RequestForChange, decision: str, actor: Any, **fields: Any) -> RequestForChange:
    return svc.rfc_review(actor=actor, rfc_id=rfc.pk, decision=decision, **fields)


def test_a_request_reaches_the_change_coordinators_of_its_service(
    submit, change_coordinator, other_coordinator, specialist
):
    """Proc. 1: "The change coordinator receives the requests for change for the service(s)
    that he/she coordinates the change for." """
    rfc = submit(description="Users hit the 2 GB limit.")
    assert rfc.number.startswith("RFC")
    assert (rfc.status, rfc.requested_by) == (RfcStatus.SUBMITTED, specialist)
    assert journal_of(rfc, kind="created").exists()
    assert events(change_coordinator, rfc) == ["rfc.submitted"]
    assert events(other_coordinator, rfc) == []  # Payroll's coordinator


def test_without_a_coordinator_for_the_service_those_holding_the_role_everywhere_hear(
    submit, other_service, change_coordinator, make_person_with_role
):
    everywhere = make_person_with_role("change_coordinator", "anycoord")
    rfc = submit(service_id=other_service.pk)
    assert events(everywhere, rfc) == ["rfc.submitted"]
    assert events(change_coordinator, rfc) == []


@pytest.fixture
def make_person_with_role(provider):
    from steward.core.tests.factories import make_person

    return lambda role, username: make_person(role, organisation=provider, username=username)


@pytest.mark.parametrize(
    ("source", "fields", "refused"),
    [
        (RfcSource.KNOWN_ERROR, {"origin_reference": ""}, "origin_reference"),
        (RfcSource.RELEASE, {"origin_reference": "  "}, "origin_reference"),
        (RfcSource.CONTINUITY, {"origin_reference": ""}, "origin_reference"),
        (RfcSource.INCIDENT, {}, "incident"),
        ("gossip", {}, "source"),
        (RfcSource.RELEASE, {"title": " ", "origin_reference": "REL-7"}, "title"),
    ],
)
def test_a_request_names_where_it_comes_from(submit, source, fields, refused):
    with pytest.raises(ValidationError) as error:
        submit(source=source, **fields)
    assert refused in error.value.message_dict
    assert not RequestForChange.objects.exists()


def test_only_provider_staff_submit(submit, requester):
    with pytest.raises(PermissionDenied):
        submit(actor=requester)


# --- The review, branch by branch (table-driven) -----------------------------------------

BRANCHES = [
    # (the seed's words, source, conditions on the request, review choices, decision, status)
    ("upon receiving a request for change from Problem Management, the change coordinator "
     "links it to a change that was already prepared earlier", RfcSource.KNOWN_ERROR, {},
     {"change": True}, "link", RfcStatus.LINKED),
    ("if the request for change asks for the implementation of a standard change, the "
     "change coordinator uses the appropriate change template", RfcSource.INCIDENT,
     {"standard": True}, {}, "standard", RfcStatus.REGISTERED),
    ("if it does conflict with internal standards or policies, the request for change is "
     "rejected", RfcSource.KNOWN_ERROR, NEEDS_CHANGE, {"policy": True}, "reject_policy",
     RfcStatus.REJECTED),
    ("if the change can be implemented without the involvement of Change Management, the "
     "change coordinator rejects the request for change", RfcSource.KNOWN_ERROR,
     {"causes_outage_in_service_hours": False, "functionality_changes": False,
      "cmdb_update": False}, {}, "reject_not_needed", RfcStatus.REJECTED),
    ("all other requests for change are assigned to Release Management",
     RfcSource.KNOWN_ERROR, {**NEEDS_CHANGE, "problem_fix": False}, {}, "to_release",
     RfcStatus.TO_RELEASE),
    ("a problem fix needs no Release Management unless the functionality becomes different",
     RfcSource.KNOWN_ERROR, {**NEEDS_CHANGE, **PROBLEM_FIX, "functionality_changes": True}, {},
     "to_release", RfcStatus.TO_RELEASE),
    ("a problem fix needs no Release Management unless it needs additional funding",
     RfcSource.KNOWN_ERROR, {**NEEDS_CHANGE, **PROBLEM_FIX, "extra_funding": True}, {},
     "to_release", RfcStatus.TO_RELEASE),
    ("a problem fix needs no Release Management unless one change coordinator cannot "
     "coordinate it", RfcSource.KNOWN_ERROR,
     {**NEEDS_CHANGE, **PROBLEM_FIX, "single_coordinator": False}, {}, "to_release",
     RfcStatus.TO_RELEASE),
    ("if Release Management is not required, the change coordinator selects the most "
     "appropriate change template and/or task (group) template(s) to register the change",
     RfcSource.KNOWN_ERROR, {**NEEDS_CHANGE, **PROBLEM_FIX}, {"template": True},
     "register", RfcStatus.REGISTERED),
    ("a request for change that originated from Release Management is registered",
     RfcSource.RELEASE, NEEDS_CHANGE, {"task_templates": True}, "register",
     RfcStatus.REGISTERED),
    ("a request for change that originated from Continuity Management is registered",
     RfcSource.CONTINUITY, {**NEEDS_CHANGE, "problem_fix": False}, {"template": True},
     "register", RfcStatus.REGISTERED),
]  # fmt: skip


def _choices(world: dict, make_change: Any, wanted: dict) -> dict[str, Any]:
    choices: dict[str, Any] = {}
    if wanted.get("change"):
        choices["change_id"] = make_change(title="Fix the mail queue").pk
    if wanted.get("policy"):
        choices["policy_id"] = world["policy"].pk
    if wanted.get("template"):
        choices["template_id"] = world["normal"].pk
    if wanted.get("task_templates"):
        choices["task_template_ids"] = [world["extra"].pk]
    return choices


@pytest.mark.parametrize(
    ("words", "source", "conditions", "wanted", "decision", "status"),
    BRANCHES,
    ids=[b[4] + "-" + str(i) for i, b in enumerate(BRANCHES)],
)
def test_the_review_follows_procedure_1(
    words, source, conditions, wanted, decision, status, world, submit, make_change,
    change_coordinator, release_coordinator, specialist, make_incident_for_rfc,
):  # fmt: skip
    conditions = dict(conditions)
    if conditions.pop("standard", False):
        conditions["standard_template_id"] = world["standard"].pk
    extra = {"incident_id": make_incident_for_rfc().pk} if source == RfcSource.INCIDENT else {}
    rfc = submit(source=source, **conditions, **extra)
    choices = _choices(world, make_change, wanted)

    # A decision the rule contradicts is refused, naming the decision.
    other = "register" if decision != "register" else "to_release"
    with pytest.raises(ValidationError) as refused:
        review(rfc, other, change_coordinator, **choices)
    assert list(refused.value.message_dict) == ["decision"]

    done = review(rfc, decision, change_coordinator, note="Reviewed.", **choices)
    done.refresh_from_db()
    assert done.status == status, words
    assert (done.coordinator, done.decision_note) == (change_coordinator, "Reviewed.")
    assert journal_of(done, kind="transition").exists()
    if status == RfcStatus.TO_RELEASE:
        assert events(release_coordinator, done) == ["rfc.to_release"]
    else:
        assert events(release_coordinator, done) == []
    if status in (RfcStatus.REGISTERED, RfcStatus.LINKED):
        assert done.change is not None
        assert done.change.status == ChangeStatus.REGISTERED
    if decision == "standard":
        change = done.change
        assert change.change_type == ChangeType.STANDARD and change.template.pre_approved
        assert [t.title for t in change.tasks.all()] == ["Take a snapshot", "Patch"]
        assert list(change.incidents.all()) == [done.incident]


@pytest.fixture
def make_incident_for_rfc(requester, service, analyst):
    from steward.incidents.services.incidents import incident_register

    return lambda: incident_register(
        actor=analyst, requester=requester, title="Mailbox full", service=service
    )


def test_the_requester_is_told_the_policy_the_request_conflicts_with(
    world, submit, change_coordinator, specialist
):
    rfc = submit(**NEEDS_CHANGE)
    done = review(rfc, "reject_policy", change_coordinator, policy_id=world["policy"].pk)
    assert (done.rejection, done.policy) == ("policy", world["policy"])
    assert events(specialist, rfc) == ["rfc.rejected"]
    assert "Production is frozen on the last business day" in bodies(specialist)


def test_the_requester_is_told_change_management_is_not_required(
    submit, change_coordinator, specialist
):
    rfc = submit(causes_outage_in_service_hours=False, functionality_changes=False,
                 cmdb_update=False)  # fmt: skip
    done = review(rfc, "reject_not_needed", change_coordinator)
    assert done.rejection == "not_needed"
    assert "Change Management is not required" in bodies(specialist)


def test_the_rule_does_not_decide_on_blanks(submit, change_coordinator, world):
    """Not answered is not "no": the coordinator answers first (here, or on the request)."""
    rfc = submit(causes_outage_in_service_hours=False)
    with pytest.raises(ValidationError) as refused:
        review(rfc, "reject_not_needed", change_coordinator)
    assert set(refused.value.message_dict) == {"functionality_changes", "cmdb_update"}
    rfc = submit(**NEEDS_CHANGE)
    with pytest.raises(ValidationError) as refused:
        review(rfc, "register", change_coordinator, template_id=world["normal"].pk)
    assert set(refused.value.message_dict) == {"problem_fix", "single_coordinator",
                                               "extra_funding"}  # fmt: skip
    # Answered in the review itself, the rule decides.
    done = review(rfc, "register", change_coordinator, template_id=world["normal"].pk,
                  **PROBLEM_FIX)  # fmt: skip
    assert done.status == RfcStatus.REGISTERED and done.problem_fix is True


def test_registering_needs_a_template_or_task_templates(submit, change_coordinator):
    rfc = submit(**NEEDS_CHANGE, **PROBLEM_FIX)
    with pytest.raises(ValidationError) as refused:
        review(rfc, "register", change_coordinator)
    assert "template" in refused.value.message_dict


def test_only_requests_from_known_errors_join_an_earlier_change(
    world, submit, make_change, change_coordinator
):
    rfc = submit(source=RfcSource.RELEASE, origin_reference="REL-1", **NEEDS_CHANGE)
    with pytest.raises(ValidationError) as refused:
        review(rfc, "link", change_coordinator, change_id=make_change().pk)
    assert "change" in refused.value.message_dict


@pytest.mark.parametrize("who", ["specialist", "other_coordinator", "release_coordinator"])
def test_only_a_change_coordinator_of_the_service_or_the_change_manager_reviews(
    request, submit, who
):
    rfc = submit(causes_outage_in_service_hours=False, functionality_changes=False,
                 cmdb_update=False)  # fmt: skip
    with pytest.raises(PermissionDenied):
        review(rfc, "reject_not_needed", request.getfixturevalue(who))
    rfc.refresh_from_db()
    assert rfc.status == RfcStatus.SUBMITTED


def test_the_change_manager_reviews_too_and_a_request_is_reviewed_once(
    submit, change_manager, change_coordinator
):
    rfc = submit(causes_outage_in_service_hours=False, functionality_changes=False,
                 cmdb_update=False)  # fmt: skip
    assert review(rfc, "reject_not_needed", change_manager).status == RfcStatus.REJECTED
    with pytest.raises(InvalidTransition):
        review(rfc, "reject_not_needed", change_coordinator)


def test_a_closed_change_is_no_change_to_add_to(submit, make_change, change_coordinator):
    change = make_change()
    type(change).objects.filter(pk=change.pk).update(status=ChangeStatus.CLOSED)
    rfc = submit()
    with pytest.raises(ValidationError) as refused:
        review(rfc, "link", change_coordinator, change_id=change.pk)
    assert "change" in refused.value.message_dict


def test_inactive_templates_and_policies_are_not_offered(
    world, submit, change_coordinator, change_manager
):
    tpl.change_policy_set_active(actor=change_manager, policy_id=world["policy"].pk, active=False)
    rfc = submit(**NEEDS_CHANGE)
    with pytest.raises(ValidationError) as refused:
        review(rfc, "reject_policy", change_coordinator, policy_id=world["policy"].pk)
    assert "policy" in refused.value.message_dict
    assert ChangeTemplate.objects.count() == 2 and TaskTemplate.objects.count() == 3
