"""Status transition tables of Incident Management (seed 003 ch. 8)."""

from steward.core.workflows import Workflow
from steward.incidents.choices import ActionStatus, Escalation, IncidentStatus, SolutionStatus

N, A, S, E = IncidentStatus, ActionStatus, SolutionStatus, Escalation

# Proc. 1: registered (new) and resolved at once by the service desk, or saved and routed
# (proc. 2: assigned to a group, then a person). A group coordinator may send it back to
# the service desk (-> new). Proc. 4/6: resolved; the requester accepts (-> closed, also
# after the auto-close period) or reopens (-> assigned, to a group chosen by hand).
INCIDENT = Workflow.build(
    "incident request",
    {
        N.NEW: {N.ASSIGNED, N.IN_PROGRESS, N.RESOLVED, N.CANCELLED},
        N.ASSIGNED: {N.ASSIGNED, N.IN_PROGRESS, N.PENDING, N.RESOLVED, N.NEW, N.CANCELLED},
        N.IN_PROGRESS: {N.ASSIGNED, N.PENDING, N.RESOLVED, N.NEW, N.CANCELLED},
        N.PENDING: {N.IN_PROGRESS, N.ASSIGNED, N.RESOLVED, N.CANCELLED},
        N.RESOLVED: {N.CLOSED, N.ASSIGNED},
        N.CLOSED: set(),
        N.CANCELLED: set(),
    },
)

# The second state machine of a request, its ``escalation`` (staff-only in the journal).
# Proc. 3-4: a specialist escalates to the service owner (again after it went back to the
# specialists); proc. 2: the group coordinator hands a request needing Change Management to
# the change coordinator, whatever its escalation. Proc. 5: the service owner (or on-duty
# manager) decides once: continuity, an emergency change, or back to the specialists.
ESCALATION = Workflow.build(
    "incident escalation",
    {
        E.NONE: {E.SERVICE_OWNER, E.CHANGE_COORDINATOR},
        E.CHANGE_COORDINATOR: {E.SERVICE_OWNER, E.CHANGE_COORDINATOR},
        E.BACK_TO_SPECIALISTS: {E.SERVICE_OWNER, E.CHANGE_COORDINATOR},
        E.SERVICE_OWNER: {
            E.ON_DUTY_MANAGER, E.EMERGENCY_CHANGE, E.BACK_TO_SPECIALISTS, E.CHANGE_COORDINATOR
        },
        E.ON_DUTY_MANAGER: {E.CHANGE_COORDINATOR},
        E.EMERGENCY_CHANGE: {E.CHANGE_COORDINATOR},
    },
    field="escalation",
)  # fmt: skip

ACTION = Workflow.build(
    "action",
    {
        A.OPEN: {A.IN_PROGRESS, A.DONE, A.CANCELLED},
        A.IN_PROGRESS: {A.OPEN, A.DONE, A.CANCELLED},
        A.DONE: {A.OPEN},
        A.CANCELLED: set(),
    },
)

# Proc. 7: the group coordinator activates (after editing) or rejects a proposal.
SOLUTION = Workflow.build(
    "solution",
    {
        S.PROPOSED: {S.ACTIVE, S.REJECTED},
        S.ACTIVE: {S.RETIRED},
        S.REJECTED: {S.PROPOSED},
        S.RETIRED: {S.ACTIVE},
    },
)
