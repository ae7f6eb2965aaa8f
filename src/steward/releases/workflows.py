"""Status transition tables of Release Management (seed 003 ch. 10)."""

from steward.core.workflows import Workflow
from steward.releases.choices import (
    BusinessCaseStatus,
    HandlingStatus,
    MeetingStatus,
    PlanItemStatus,
    ReleaseStatus,
)

S, H, M, B, P = ReleaseStatus, HandlingStatus, MeetingStatus, BusinessCaseStatus, PlanItemStatus

# Proc. 2-4. A registered release either needs no business case (the justification is
# cancelled: straight to coordination) or waits for one (proc. 3); a business case that
# cannot be approved abandons it. After the last change the post-implementation review,
# then closure. The backlog release never moves.
RELEASE = Workflow.build(
    "release",
    {
        S.BACKLOG: set(),
        S.REGISTERED: {S.JUSTIFICATION, S.COORDINATION, S.ABANDONED},
        S.JUSTIFICATION: {S.COORDINATION, S.ABANDONED},
        S.COORDINATION: {S.REVIEW},
        S.REVIEW: {S.CLOSED},
        S.CLOSED: set(),
        S.ABANDONED: set(),
    },
)

# Proc. 1-4 for one request for change: reviewed (passed back, or onto the CAB's list,
# or, without a CAB, into a release), decided by the CAB (rejected, included, or left on
# the list), and fulfilled or not by its release; a release abandoned or a requirement
# unmet puts a CAB-defined request back on the list. A request passed back that Change
# Management hands over again (its RFC goes to_release -> submitted -> to_release; one
# handling per request) is received again.
HANDLING = Workflow.build(
    "request for change handling",
    {
        H.RECEIVED: {H.CAB_LIST, H.IN_RELEASE, H.PASSED_BACK},
        H.CAB_LIST: {H.REJECTED, H.IN_RELEASE},
        H.IN_RELEASE: {H.FULFILLED, H.UNMET, H.CAB_LIST},
        H.REJECTED: set(),
        H.PASSED_BACK: {H.RECEIVED},
        H.FULFILLED: set(),
        H.UNMET: set(),
    },
)

# Proc. 2: invitations with the deadline, the list finalised after it, the meeting, its
# close (the next meeting agreed first). A meeting not held is cancelled.
MEETING = Workflow.build(
    "CAB meeting",
    {
        M.SCHEDULED: {M.INVITED, M.CANCELLED},
        M.INVITED: {M.AGENDA_FINAL, M.CANCELLED},
        M.AGENDA_FINAL: {M.IN_SESSION, M.CANCELLED},
        M.IN_SESSION: {M.CLOSED},
        M.CLOSED: set(),
        M.CANCELLED: set(),
    },
)

# Proc. 3: prepared, submitted for approval, approved or rejected; a rejected case is
# adjusted (back to draft) or abandoned.
BUSINESS_CASE = Workflow.build(
    "business case",
    {
        B.DRAFT: {B.SUBMITTED, B.ABANDONED},
        B.SUBMITTED: {B.APPROVED, B.REJECTED},
        B.REJECTED: {B.DRAFT, B.ABANDONED},
        B.APPROVED: set(),
        B.ABANDONED: set(),
    },
)

# Proc. 2, 4: a change of the plan gets its requirement document sent (a request for
# change to Change Management) and ends completed, partly fulfilled or failed.
PLAN_ITEM = Workflow.build(
    "release change",
    {
        P.PLANNED: {P.REQUESTED, P.CANCELLED},
        P.REQUESTED: {P.COMPLETED, P.PARTLY, P.FAILED, P.CANCELLED},
        P.COMPLETED: set(),
        P.PARTLY: set(),
        P.FAILED: set(),
        P.CANCELLED: set(),
    },
)
