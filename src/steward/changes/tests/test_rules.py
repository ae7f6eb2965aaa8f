"""The decision rules of seed 003 ch. 3 (``steward.changes.rules``), branch by branch, each
table row worded as the seed words the branch."""

import pytest

from steward.changes import rules
from steward.changes.choices import (
    ApprovalBasis,
    ChangeStatus,
    ManagerReview,
    ProductionTestResult,
    RejectionReason,
    RfcSource,
    TaskKind,
)

# Proc. 1: "This is only necessary when the implementation will cause ..."
NEEDS_CHANGE = [
    ("a service becomes unavailable or degraded during service hours", (True, False, False), True),
    ("the functionality of a service becomes different", (False, True, False), True),
    ("the CMDB requires an update", (False, False, True), True),
    ("none of the three: implemented without Change Management", (False, False, False), False),
    ("not assessed yet counts as none", (None, None, None), False),
]


@pytest.mark.parametrize(
    ("branch", "conditions", "needed"), NEEDS_CHANGE, ids=[r[0] for r in NEEDS_CHANGE]
)
def test_needs_change_management(branch, conditions, needed):
    unavailable, functionality, cmdb = conditions
    assert (
        rules.needs_change_management(
            unavailable_in_service_hours=unavailable,
            functionality_changes=functionality,
            cmdb_update=cmdb,
        )
        is needed
    )


# Proc. 1, the Release Management rule.
S = RfcSource
NEEDS_RELEASE = [
    (
        "problem fix, one coordinator, same functionality, no funding: no release",
        S.KNOWN_ERROR,
        (True, True, False, False),
        False,
    ),
    ("problem fix from an incident: no release", S.INCIDENT, (True, True, False, False), False),
    (
        "problem fix needing several change coordinators: release",
        S.KNOWN_ERROR,
        (True, False, False, False),
        True,
    ),
    (
        "problem fix that changes functionality: release",
        S.KNOWN_ERROR,
        (True, True, True, False),
        True,
    ),
    (
        "problem fix needing additional funding: release",
        S.KNOWN_ERROR,
        (True, True, False, True),
        True,
    ),
    ("not a problem fix: release", S.REQUEST_FORM, (False, True, False, False), True),
    ("a condition not answered: release", S.INCIDENT, (True, None, False, False), True),
    ("from Release Management: never back to it", S.RELEASE, (False, False, True, True), False),
    ("from Continuity Management: never to it", S.CONTINUITY, (False, False, True, True), False),
]


@pytest.mark.parametrize(
    ("branch", "source", "conditions", "needed"), NEEDS_RELEASE, ids=[r[0] for r in NEEDS_RELEASE]
)
def test_needs_release_management(branch, source, conditions, needed):
    fix, single, functionality, funding = conditions
    assert (
        rules.needs_release_management(
            source=source,
            problem_fix=fix,
            single_coordinator=single,
            functionality_changes=functionality,
            extra_funding=funding,
        )
        is needed
    )


D = rules.RfcDecision
# (branch, source, joins existing, standard, policy conflict, needs change, needs release)
REVIEW = [
    (
        "from Problem Management, can be added to an earlier change: linked",
        S.KNOWN_ERROR,
        True,
        False,
        False,
        True,
        False,
        D.LINK,
    ),
    (
        "from Problem Management, no earlier change fits: reviewed on",
        S.KNOWN_ERROR,
        False,
        False,
        False,
        True,
        False,
        D.REGISTER,
    ),
    (
        "only known errors join earlier changes",
        S.INCIDENT,
        True,
        False,
        False,
        True,
        False,
        D.REGISTER,
    ),
    (
        "a standard change: from its change template",
        S.REQUEST_FORM,
        False,
        True,
        True,
        False,
        True,
        D.STANDARD,
    ),
    (
        "conflicts with a standard or policy: rejected naming it",
        S.INCIDENT,
        False,
        False,
        True,
        True,
        False,
        D.REJECT_POLICY,
    ),
    (
        "Change Management not required: rejected, requester told",
        S.INCIDENT,
        False,
        False,
        False,
        False,
        False,
        D.REJECT_NOT_NEEDED,
    ),
    (
        "needs Release Management: assigned to it",
        S.REQUEST_FORM,
        False,
        False,
        False,
        True,
        True,
        D.TO_RELEASE,
    ),
    (
        "no Release Management needed: registered from templates",
        S.INCIDENT,
        False,
        False,
        False,
        True,
        False,
        D.REGISTER,
    ),
]


@pytest.mark.parametrize(
    (
        "branch",
        "source",
        "joins",
        "standard",
        "policy",
        "needs_change",
        "needs_release",
        "decision",
    ),
    REVIEW,
    ids=[r[0] for r in REVIEW],
)
def test_request_for_change_review(
    branch, source, joins, standard, policy, needs_change, needs_release, decision
):
    assert (
        rules.review_request_for_change(
            source=source,
            joins_existing_change=joins,
            standard=standard,
            policy_conflict=policy,
            needs_change=needs_change,
            needs_release=needs_release,
        )
        == decision
    )


@pytest.mark.parametrize(
    ("change_type", "next_status"),
    [
        ("standard", ChangeStatus.IMPLEMENTATION),
        ("normal", ChangeStatus.APPROVAL),
        ("emergency", ChangeStatus.APPROVAL),
    ],
)
def test_after_planning_only_standard_changes_skip_approval(change_type, next_status):
    assert rules.after_planning(change_type=change_type) == next_status


@pytest.mark.parametrize(
    ("review", "next_status"),
    [
        (ManagerReview.POLICY_CONFLICT, ChangeStatus.REJECTED),
        (ManagerReview.MORE_ANALYSIS, ChangeStatus.RISK_ANALYSIS),
        (ManagerReview.ADJUST_PLAN, ChangeStatus.PLANNING),
        (ManagerReview.COLLECT, ChangeStatus.APPROVAL),
    ],
)
def test_change_manager_review(review, next_status):
    assert rules.after_manager_review(review) == next_status


CR, OWNER = ApprovalBasis.CUSTOMER_REPRESENTATIVE, ApprovalBasis.SERVICE_OWNER
APPROVERS = [
    (
        "unavailable or degraded during service hours: affected customers' representatives",
        True,
        False,
        CR,
    ),
    ("functionality becomes different: affected customers' representatives", False, True, CR),
    ("both: affected customers' representatives", True, True, CR),
    ("neither: the service owner is sufficient", False, False, OWNER),
]


@pytest.mark.parametrize(
    ("branch", "unavailable", "functionality", "basis"), APPROVERS, ids=[r[0] for r in APPROVERS]
)
def test_approver_rule(branch, unavailable, functionality, basis):
    assert (
        rules.approver_basis(
            unavailable_in_service_hours=unavailable, functionality_changes=functionality
        )
        == basis
    )


@pytest.mark.parametrize(
    ("outage", "overlaps", "unavailable"),
    [(True, True, True), (True, False, False), (False, True, False), (None, True, False)],
)
def test_unavailable_in_service_hours_needs_an_outage_inside_the_service_hours(
    outage, overlaps, unavailable
):
    assert (
        rules.unavailable_in_service_hours(causes_outage=outage, overlaps_service_hours=overlaps)
        is unavailable
    )


@pytest.mark.parametrize(
    ("reason", "next_status"),
    [
        (RejectionReason.ANALYSIS, ChangeStatus.RISK_ANALYSIS),
        (RejectionReason.PLAN, ChangeStatus.PLANNING),
        (RejectionReason.OTHER, ChangeStatus.REJECTED),
    ],
)
def test_a_rejection_reason_decides_the_next_step(reason, next_status):
    assert rules.after_rejection(reason) == next_status


def test_first_tasks_by_category():
    assert rules.first_tasks("infrastructure") == (TaskKind.PREPARATION, TaskKind.IMPLEMENTATION)
    assert rules.first_tasks("application")[0] == TaskKind.DEVELOP
    assert rules.first_tasks("application")[-1] == TaskKind.TRANSFER_TO_PRODUCTION
    assert TaskKind.CUSTOMER_TEST in rules.first_tasks("application")


@pytest.mark.parametrize(
    ("moved", "change_type", "again"),
    [(True, "normal", True), (False, "normal", False), (True, "standard", False)],
)
def test_moving_the_production_transfer_needs_approval_again(moved, change_type, again):
    assert rules.needs_reapproval(production_transfer_moved=moved, change_type=change_type) is again


P = ProductionTestResult
PRODUCTION_TEST = [
    ("all requirements met: CMDB, capacity and continuity updated", True, True, False, P.MET),
    ("not met and no improvement over before: backed out", False, False, False, P.BACK_OUT),
    ("not met and a security or data integrity risk: backed out", False, True, True, P.BACK_OUT),
    ("not met but can still succeed: additional tasks", False, True, False, P.ADDITIONAL_TASKS),
]


@pytest.mark.parametrize(
    ("branch", "met", "better", "risk", "result"),
    PRODUCTION_TEST,
    ids=[r[0] for r in PRODUCTION_TEST],
)
def test_production_test(branch, met, better, risk, result):
    assert (
        rules.production_test_result(
            requirements_met=met, improvement_over_before=better, security_or_data_risk=risk
        )
        == result
    )


def test_emergency_production_test():
    assert rules.after_emergency_test(successful=True) == ChangeStatus.REGISTERED
    assert rules.after_emergency_test(successful=False) == ChangeStatus.IMPLEMENTATION


@pytest.mark.parametrize(
    ("needs", "has_change", "override", "may"),
    [
        (True, False, False, False),
        (True, True, False, True),
        (True, False, True, True),
        (False, False, False, True),
        (None, False, False, True),
    ],
)
def test_an_incident_needing_a_change_resolves_only_through_one_or_an_override(
    needs, has_change, override, may
):
    assert (
        rules.incident_may_resolve(needs_change=needs, has_change=has_change, override=override)
        is may
    )


def test_availability_manager_only_when_the_infrastructure_changes():
    assert rules.needs_availability_manager(infrastructure_changes=True)
    assert not rules.needs_availability_manager(infrastructure_changes=False)
    assert not rules.needs_availability_manager(infrastructure_changes=None)
