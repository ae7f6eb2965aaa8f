"""Webhook events of Release Management (seed 003 ch. 10): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; a status change's verb is
the new status.
"""

from steward.core.events import declare_many
from steward.releases.models import BusinessCase, CabMeeting, Release, RfcHandling

declare_many(
    Release,
    {
        "created": "A release was registered (proc. 2).",
        "justification": "A business case is being prepared for a release (proc. 3).",
        "coordination": "A release's changes are being coordinated (proc. 4).",
        "review": "A release's changes are done: the post-implementation review (proc. 4).",
        "closed": "A release was closed (proc. 4).",
        "abandoned": "A release was abandoned: its business case was rejected (proc. 3).",
    },
)
declare_many(
    RfcHandling,
    {
        "created": "A request for change reached Release Management (proc. 1).",
        "cab_list": "A request for change was added to the next CAB meeting's list.",
        "in_release": "A request for change was included in a release.",
        "passed_back": "A request for change was passed back to Change Management.",
        "rejected": "A request for change was rejected by the CAB.",
        "fulfilled": "A release fulfilled the requirements of a request for change.",
        "unmet": "A release did not meet the requirements of a request for change.",
    },
)
declare_many(
    CabMeeting,
    {
        "created": "A CAB meeting was scheduled.",
        "invited": "The invitations to a CAB meeting were sent (proc. 2).",
        "agenda_final": "The list of requests for change of a CAB meeting was finalised.",
        "in_session": "A CAB meeting opened: members vote.",
        "closed": "A CAB meeting closed: the outcome of its votes is decided.",
        "cancelled": "A CAB meeting was cancelled.",
    },
)
declare_many(
    BusinessCase,
    {
        "created": "A business case was prepared for a release (proc. 3).",
        "submitted": "A business case was submitted for approval.",
        "approved": "A business case was approved.",
        "rejected": "A business case was rejected.",
        "abandoned": "A business case was abandoned.",
    },
)


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic)
declare_many(
    Release,
    {
        "transferred": "A release was transferred to its next environment (data: environment).",
        "rolled_back": "A release in production was rolled back to its CMDB baseline.",
    },
)


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic)
from steward.releases.models import ReleasePlanItem  # noqa: E402

declare_many(
    ReleasePlanItem,
    {
        "created": "A change was added to a release's high-level plan (proc. 2).",
        "requested": "A release change's requirements went to Change Management (proc. 4).",
        "completed": "A release change was completed (proc. 4).",
        "partly": "A release change fulfilled its requirements only partly (proc. 4).",
        "failed": "A release change failed (proc. 4).",
        "cancelled": "A release change was cancelled.",
    },
)
