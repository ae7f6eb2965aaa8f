"""The decision rules of Change Management (seed 003 ch. 3), one function each, worded as
the seed words them. Services call them with what the record says; Release Management
(ch. 10) and Incident Management (ch. 8) read the same functions. Each is covered branch by
branch by a table in ``tests/test_rules.py``.

Every function takes plain values: a condition not assessed yet is ``None``, which the
rules treat as "not known to be true" only where the seed allows a default; elsewhere the
service refuses to decide before it is answered."""

from enum import StrEnum

from steward.changes.choices import (
    ApprovalBasis,
    ChangeCategory,
    ChangeStatus,
    ChangeType,
    ManagerReview,
    ProductionTestResult,
    RejectionReason,
    RfcSource,
    TaskKind,
)


def needs_change_management(
    *,
    unavailable_in_service_hours: bool | None,
    functionality_changes: bool | None,
    cmdb_update: bool | None,
) -> bool:
    """Proc. 1 (and ch. 8 proc. 2, 4, 5): Change Management is only necessary when the
    implementation will cause a service to become unavailable or degraded during service
    hours, the functionality of a service to become different, or the CMDB to require an
    update."""
    return bool(unavailable_in_service_hours or functionality_changes or cmdb_update)


def needs_release_management(
    *,
    source: str,
    problem_fix: bool | None,
    single_coordinator: bool | None,
    functionality_changes: bool | None,
    extra_funding: bool | None,
) -> bool:
    """Proc. 1: Release Management is not required if the request for change asks for the
    prevention or fix of a problem, provided that the implementation can be coordinated by
    a single change coordinator, will not make the functionality of the service different,
    and needs no additional funding. A request that came from Release or Continuity
    Management never goes back to Release Management."""
    if source in (RfcSource.RELEASE, RfcSource.CONTINUITY):
        return False
    fix_without_release = (
        problem_fix is True
        and single_coordinator is True
        and functionality_changes is False
        and extra_funding is False
    )
    return not fix_without_release


class RfcDecision(StrEnum):
    """What the change coordinator's review of a request for change leads to (proc. 1)."""

    LINK = "link"  # added to a change prepared earlier (requests from Problem Management)
    STANDARD = "standard"  # a standard change from its template
    REJECT_POLICY = "reject_policy"  # conflicts with an internal standard or policy
    REJECT_NOT_NEEDED = "reject_not_needed"  # Change Management is not required
    TO_RELEASE = "to_release"  # assigned to Release Management
    REGISTER = "register"  # registered from a change template and/or task templates


def review_request_for_change(
    *,
    source: str,
    joins_existing_change: bool,
    standard: bool,
    policy_conflict: bool,
    needs_change: bool,
    needs_release: bool,
) -> RfcDecision:
    """Proc. 1, in the seed's order: a request from Problem Management that can be added to
    a change prepared earlier is linked to it; a standard change uses its template; a
    conflict with a policy rejects it; a change that does not need Change Management is
    rejected as not required; one that needs Release Management is assigned to it;
    everything else is registered."""
    if source == RfcSource.KNOWN_ERROR and joins_existing_change:
        return RfcDecision.LINK
    if standard:
        return RfcDecision.STANDARD
    if policy_conflict:
        return RfcDecision.REJECT_POLICY
    if not needs_change:
        return RfcDecision.REJECT_NOT_NEEDED
    if needs_release:
        return RfcDecision.TO_RELEASE
    return RfcDecision.REGISTER


def needs_availability_manager(*, infrastructure_changes: bool | None) -> bool:
    """Proc. 2: when a new service infrastructure is to be built, or an existing one is
    likely to need modifying, the change coordinator asks the availability manager for the
    (new or modified) service infrastructure design."""
    return infrastructure_changes is True


def after_planning(*, change_type: str) -> ChangeStatus:
    """Proc. 2: a standard change, whose approval phase can be skipped, goes to
    implementation; any other change goes to the change manager for approval."""
    if change_type == ChangeType.STANDARD:
        return ChangeStatus.IMPLEMENTATION
    return ChangeStatus.APPROVAL


def after_manager_review(review: str) -> ChangeStatus:
    """Proc. 3, the change manager's review: a policy conflict means the change cannot be
    implemented; insufficient risk and impact analysis goes back for more analysis; a plan
    that does not address the risk, the impact or a calendar conflict goes back to
    planning; otherwise the approvals are collected (the change stays in approval)."""
    return {
        ManagerReview.POLICY_CONFLICT: ChangeStatus.REJECTED,
        ManagerReview.MORE_ANALYSIS: ChangeStatus.RISK_ANALYSIS,
        ManagerReview.ADJUST_PLAN: ChangeStatus.PLANNING,
        ManagerReview.COLLECT: ChangeStatus.APPROVAL,
    }[ManagerReview(review)]


def approver_basis(
    *, unavailable_in_service_hours: bool | None, functionality_changes: bool | None
) -> ApprovalBasis:
    """Proc. 3: approval is required from the representatives of the customers who will be
    affected when the implementation causes a service to become unavailable or degraded
    during service hours, or its functionality to become different; the service owner's
    approval is sufficient otherwise."""
    if unavailable_in_service_hours or functionality_changes:
        return ApprovalBasis.CUSTOMER_REPRESENTATIVE
    return ApprovalBasis.SERVICE_OWNER


def unavailable_in_service_hours(
    *, causes_outage: bool | None, overlaps_service_hours: bool
) -> bool:
    """Proc. 1 and 3's first condition, from the questionnaire and the calendars: the
    service becomes unavailable or degraded while implementing, and the implementation
    window falls (partly) inside the service hours of an affected service."""
    return causes_outage is True and overlaps_service_hours


def after_rejection(reason: str) -> ChangeStatus:
    """Proc. 3: when an approver rejects, the change manager finds out why: insufficient
    analysis goes back to risk and impact analysis, a plan to adjust back to planning; any
    other reason means the change cannot be implemented."""
    return {
        RejectionReason.ANALYSIS: ChangeStatus.RISK_ANALYSIS,
        RejectionReason.PLAN: ChangeStatus.PLANNING,
        RejectionReason.OTHER: ChangeStatus.REJECTED,
    }[RejectionReason(reason)]


def first_tasks(category: str) -> tuple[TaskKind, ...]:
    """Proc. 4 and 5: an infrastructure change starts with preparation (operational
    readiness) and then the implementation; an application change is developed, tested,
    transferred to the test environment (release administrator), tested by the customer,
    made ready for operation and transferred to production (release administrator)."""
    if category == ChangeCategory.APPLICATION:
        return (
            TaskKind.DEVELOP,
            TaskKind.TEST,
            TaskKind.TRANSFER_TO_TEST,
            TaskKind.CUSTOMER_TEST,
            TaskKind.READINESS,
            TaskKind.TRANSFER_TO_PRODUCTION,
        )
    return (TaskKind.PREPARATION, TaskKind.IMPLEMENTATION)


def needs_reapproval(*, production_transfer_moved: bool, change_type: str) -> bool:
    """Proc. 5: when additional tasks after failed customer testing move the transfer to
    production, the change must be approved again (a standard change was pre-approved)."""
    return production_transfer_moved and change_type != ChangeType.STANDARD


def production_test_result(
    *,
    requirements_met: bool,
    improvement_over_before: bool,
    security_or_data_risk: bool,
) -> ProductionTestResult:
    """Proc. 6: when all requirements are met, the CMDB, capacity and continuity
    information is updated; otherwise the change is backed out when it is no improvement
    over the previous situation or causes a security or data integrity risk, and gets
    additional tasks when it can still be made a success."""
    if requirements_met:
        return ProductionTestResult.MET
    if not improvement_over_before or security_or_data_risk:
        return ProductionTestResult.BACK_OUT
    return ProductionTestResult.ADDITIONAL_TASKS


def after_emergency_test(*, successful: bool) -> ChangeStatus:
    """Proc. 8: an unsuccessful emergency implementation goes back to the specialist, who
    tells the service owner (or on-duty manager); a successful one completes the incident
    and waits for the change coordinator to register it."""
    return ChangeStatus.REGISTERED if successful else ChangeStatus.IMPLEMENTATION


def incident_may_resolve(*, needs_change: bool | None, has_change: bool, override: bool) -> bool:
    """Ch. 8 proc. 2-5: an incident request that cannot be resolved without Change
    Management is resolved only through a change linked to it, or with an explicit
    (journaled) override."""
    return needs_change is not True or has_change or override
