"""Who may set which field of Incident Management's writes, and who reads its free text
(``steward.core.fields``). The services check these; the API serializers and page forms
declare their view of them.

Seed 003 ch. 8 proc. 1: the service desk analyst registers the request and sets what
decides its handling (service type, category, CIs, impact and urgency and so the
priority, group and assignee); the customer side describes the request, replies and
verifies the solution. Staff text is internal unless the procedure addresses it to the
requester (the resolution, the question when waiting on the requester, a public reply,
why it was cancelled).
"""

from typing import Any

from steward.core.fields import INTERNAL, PUBLISHED, REQUESTER, SHARED, Inputs, anyone, staff
from steward.core.roles import is_desk
from steward.incidents.choices import Channel

ASSIGN = "incidents.incident.assign"
CUSTOMER_CHANNELS = frozenset({Channel.PORTAL, Channel.EMAIL})


def _desk(actor: Any, record: Any = None) -> bool:
    return is_desk(actor)


_ASSIGNS = staff(ASSIGN, why="Assigning is for the service desk and group coordinators.")
_DESK_ONLY = staff(when=_desk, why="Only the service desk does this.")
_INTERNAL_NOTE = staff(audience=INTERNAL)
PENDING_NOTE = (
    "Waiting on the requester: sent to the requester as a public reply. Otherwise "
    "internal: seen by staff only."
)
REPLY_BODY = "Public: sent to the requester. Not public: internal, seen by staff only."

# Proc. 1: registration (desk form, portal, API, email).
REGISTER = Inputs(
    "incident registration",
    requester=anyone(),
    title=anyone(audience=SHARED),
    description=anyone(audience=SHARED),
    service=anyone(),
    # The interface the request came through sets the channel of customer-side people.
    channel=staff(customer_values=CUSTOMER_CHANNELS),
    source_message_id=anyone(),
    customer=staff(),
    cis=staff(),
    category=staff(),
    service_type=staff(),
    impact=staff(),
    urgency=staff(),
    support_group=_ASSIGNS,
    assignee=_ASSIGNS,
    resolve_now=staff(
        when=_desk,
        why="Only the service desk resolves at registration.",
        audience=REQUESTER,
    ),
)
UPDATE = Inputs(
    "incident update",
    title=staff(audience=SHARED),
    description=staff(audience=SHARED),
    service=staff(),
    cis=staff(),
    category=staff(),
    service_type=staff(),
    impact=staff(),
    urgency=staff(),
    causes_service_unavailability=staff(),
    changes_service_functionality=staff(),
    requires_cmdb_update=staff(),
)
ASSIGNMENT = Inputs(
    "incident assignment",
    support_group=_ASSIGNS,
    assignee=_ASSIGNS,
    reason=staff(ASSIGN, audience=INTERNAL),
)
SEND_BACK = Inputs(
    "incident send-back", reason=staff(ASSIGN), note=staff(ASSIGN, audience=INTERNAL)
)
PENDING = Inputs("incident pending", reason=staff(), note=staff(audience=PENDING_NOTE))
NOTE = Inputs("incident step note", note=_INTERNAL_NOTE)  # resume, escalate, inform
CANCEL = Inputs("incident cancellation", reason=staff(audience=REQUESTER))
ASSESS_CHANGE = Inputs(
    "Change Management assessment",
    causes_service_unavailability=staff(),
    changes_service_functionality=staff(),
    requires_cmdb_update=staff(),
)
# Proc. 5 (and ch. 3 proc. 7): an emergency change names the specialist who implements it.
ESCALATION_DECISION = Inputs(
    "escalation decision",
    decision=staff(),
    note=_INTERNAL_NOTE,
    specialist=staff(),
    category=staff(),
)
RESOLVE = Inputs(
    "incident resolution",
    resolution=staff(audience=REQUESTER),
    resolution_code=staff(),
    solution=staff(),
    workaround=staff(),
    time_spent=staff(),
    template=staff(),
    # Proc. 2-5: resolving a request that needs Change Management without a change.
    override_reason=_INTERNAL_NOTE,
)
# Proc. 6: the requester (or the desk for them) reopens; only the desk picks the group.
REOPEN = Inputs(
    "incident reopening",
    reason=anyone(audience=SHARED),
    support_group=staff(when=_desk, why="The service desk chooses the group."),
)
# Issue 13: bulk work on the queues, merging and linking. Each request then goes through
# its own step's service, which checks that step's inputs again.
BULK_REASON = (
    "Cancelling, or waiting on the requester: sent to the requester. Otherwise internal: "
    "seen by staff only."
)
BULK = Inputs(
    "incident bulk change",
    items=staff(),
    action=staff(),
    support_group=_ASSIGNS,
    assignee=_ASSIGNS,
    status=staff(),
    pending_reason=staff(),
    resolution=staff(audience=REQUESTER),
    resolution_code=staff(),
    impact=staff(),
    urgency=staff(),
    into=staff(),
    reason=staff(audience=BULK_REASON),
)
MERGE = Inputs("incident merge", into=staff(), note=_INTERNAL_NOTE)
LINK = Inputs("incident link", other=staff(), kind=staff())
REPLY = Inputs(
    "incident reply",
    body=anyone(audience=REPLY_BODY),
    public=anyone(values={True}),
    time_spent=staff(),
    template=staff(),
)
ACTION = Inputs(
    "incident action",
    title=staff(audience=INTERNAL),
    description=staff(audience=INTERNAL),
    support_group=staff(),
    assignee=staff(),
    due_at=staff(),
    status=staff(),
)
ACTION_COMPLETE = Inputs("incident action completion", result=staff(audience=INTERNAL))

# Routing rules, categories and the matrix (proc. 2): maintainers only.
_ROUTING_FIELDS = ("order", "name", "is_active", "service", "ci_class", "category",
                   "customer", "service_type", "keywords", "support_group")  # fmt: skip
ROUTING_RULE = Inputs(
    "routing rule", {name: staff("incidents.routing.change") for name in _ROUTING_FIELDS}
)
CATEGORY = Inputs(
    "category",
    {name: staff("incidents.routing.change") for name in ("name", "parent", "is_active")},
)
PRIORITY_MATRIX = Inputs(
    "priority matrix",
    {f"cell_{i}_{u}": staff("incidents.routing.change") for i in "1234" for u in "1234"},
)

# Proc. 4 and 7: solutions for general use. Once active, requesters read them.
_SOLUTION_TEXT = staff(audience=PUBLISHED)
SOLUTION = Inputs(
    "solution",
    title=_SOLUTION_TEXT,
    symptoms=_SOLUTION_TEXT,
    body=_SOLUTION_TEXT,
    is_workaround=staff(),
    service=staff(),
    ci_class=staff(),
    category=staff(),
    support_group=staff(),
    from_incident=staff(),
)
SOLUTION_DECISION = SOLUTION("solution decision", note=_INTERNAL_NOTE)
SOLUTION_NOTE = Inputs("solution note", note=_INTERNAL_NOTE)
SOLUTION_USE = Inputs("solution use", incident=staff())
REPORT_SUBSCRIPTION = Inputs("report subscription", subscribe=staff())

# Issue 13: a user service request from a catalog request type (the answers are checked
# against the request type's fields by the service).
SERVICE_REQUEST = Inputs(
    "service request",
    request_type=anyone(),
    answers=anyone(audience=SHARED),
)
