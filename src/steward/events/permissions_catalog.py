"""Permissions of Event Management (seed 003 ch. 6) and the roles that grant them.

Operators handle events (proc. 1); the operations manager reviews them (proc. 2, 3) and
maintains sources, event types and rules. Monitoring sources authenticate with their own
token, not as a person."""

from steward.core.choices import Role
from steward.core.permissions import PROVIDER_ROLES, grant

R = Role
OPERATORS = {R.OPERATOR, R.OPERATIONS_MANAGER, R.SYSTEM_ADMINISTRATOR}
MANAGERS = {R.OPERATIONS_MANAGER, R.SYSTEM_ADMINISTRATOR}

grant("events.event.view", PROVIDER_ROLES, "See events, the operator console and event sources.")
grant(
    "events.event.handle",
    OPERATORS,
    "Acknowledge and close events on the operator console (proc. 1).",
)
grant(
    "events.source.manage",
    MANAGERS,
    "Register monitoring sources and their tokens, event types with their handling "
    "instructions, CI match rules and correlation rules.",
)
grant(
    "events.review.perform",
    MANAGERS,
    "Perform the event review and the outage review and raise improvement requests (proc. 2, 3).",
)

# --- processing: seed 003 ch. 6 proc. 1 ---
# "The operator assigns the incident request to the capacity manager" and "ensures that the
# incident request gets assigned to the appropriate group": the operator sets the group and
# assignee when registering a request for an event (incident_register's inputs). Assigning
# an existing request by hand stays the desk's and the group coordinators' (the assignment
# service checks that itself).
grant("incidents.incident.assign", {R.OPERATOR})

# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
# Proc. 2: the operations manager "ensures that [the improvement request] gets assigned to
# the group that will be responsible"; Incident Management lets only holders of
# incidents.incident.assign set a request's group at registration. The operations manager
# already maintains the routing rules (incidents.routing.change), which decide the same.
grant("incidents.incident.assign", {R.OPERATIONS_MANAGER})
