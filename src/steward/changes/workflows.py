"""Status transition tables of Change Management (seed 003 ch. 3)."""

from steward.changes.choices import ChangeStatus, RfcStatus, TaskStatus
from steward.core.workflows import Workflow

C, R, T = ChangeStatus, RfcStatus, TaskStatus

# Proc. 1: the change coordinator's review of a request for change. Release Management
# may pass a request back, after which it is reviewed again, or close it when the CAB
# rejected it (ch. 10 proc. 2).
RFC = Workflow.build(
    "request for change",
    {
        R.SUBMITTED: {R.REGISTERED, R.LINKED, R.REJECTED, R.TO_RELEASE},
        R.TO_RELEASE: {R.SUBMITTED, R.REGISTERED, R.REJECTED},
        R.REGISTERED: set(),
        R.LINKED: set(),
        R.REJECTED: set(),
    },
)

# Proc. 2-6, planned changes (standard and normal). Planning goes straight to
# implementation only for a standard change (the service checks the type); the change
# manager sends a change back to analysis or planning from approval (proc. 3); moving the
# production transfer of an application change asks for approval again (proc. 5);
# additional tasks after a failed production test go back to implementation (proc. 6).
CHANGE = Workflow.build(
    "change",
    {
        C.REGISTERED: {C.RISK_ANALYSIS, C.CANCELLED},
        C.RISK_ANALYSIS: {C.PLANNING, C.CANCELLED},
        C.PLANNING: {C.APPROVAL, C.IMPLEMENTATION, C.RISK_ANALYSIS, C.CANCELLED},
        C.APPROVAL: {C.IMPLEMENTATION, C.RISK_ANALYSIS, C.PLANNING, C.REJECTED, C.CANCELLED},
        C.IMPLEMENTATION: {C.PRODUCTION_TEST, C.APPROVAL, C.CANCELLED},
        C.PRODUCTION_TEST: {C.CLOSED, C.BACKED_OUT, C.IMPLEMENTATION},
        C.CLOSED: set(),
        C.REJECTED: set(),
        C.CANCELLED: set(),
        C.BACKED_OUT: set(),
    },
)

# Proc. 7-8, emergency changes: implemented first (asked by the service owner or the
# on-duty manager), production-tested (a failure goes back to implementation, the service
# owner told), then registered by the change coordinator afterwards and closed.
EMERGENCY = Workflow.build(
    "emergency change",
    {
        C.IMPLEMENTATION: {C.PRODUCTION_TEST, C.CANCELLED},
        C.PRODUCTION_TEST: {C.IMPLEMENTATION, C.REGISTERED, C.BACKED_OUT},
        C.REGISTERED: {C.CLOSED},
        C.CLOSED: set(),
        C.CANCELLED: set(),
        C.BACKED_OUT: set(),
    },
)


def for_change(change_type: str) -> Workflow:
    """The table that governs a change of this type."""
    return EMERGENCY if change_type == "emergency" else CHANGE


# A task waits for the tasks it depends on (and for its phase), is worked, and ends done,
# failed (the coordinator adds tasks) or cancelled.
TASK = Workflow.build(
    "change task",
    {
        T.WAITING: {T.OPEN, T.CANCELLED},
        T.OPEN: {T.DONE, T.FAILED, T.CANCELLED, T.WAITING},
        T.DONE: set(),
        T.FAILED: set(),
        T.CANCELLED: set(),
    },
)
