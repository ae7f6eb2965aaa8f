"""The incident request lifecycle, seed 003 ch. 8 procedures 1-6, one module per procedure:

- ``registration``: proc. 1, Incident Request Registration (and the routing of proc. 2);
- ``assignment``: proc. 2, Incident Request Assignment (and the Change Management rule);
- ``tracking``: proc. 3, Incident Request Tracking (clocks, corrections, pending);
- ``resolution``: proc. 4, Incident Request Resolution by Specialist;
- ``escalation``: proc. 5, Incident Escalation Handling;
- ``closure``: proc. 6, Incident Request Closure;
- ``common``: the helpers they share.

This module names every incident procedure in one place, so pages, the API, tasks and
the demo call ``services.incidents.<procedure>`` without knowing which module holds it.
"""

from steward.incidents.services.assignment import (
    incident_assess_change,
    incident_assign,
    incident_send_back,
    incident_take,
)
from steward.incidents.services.closure import (
    incident_accept,
    incident_cancel,
    incident_close,
    incident_reopen,
    incidents_auto_close,
)
from steward.incidents.services.escalation import incident_escalate, incident_handle_escalation
from steward.incidents.services.registration import incident_add_reply, incident_register
from steward.incidents.services.resolution import (
    incident_inform_problem_coordinator,
    incident_resolve,
)
from steward.incidents.services.tracking import (
    CHANGE_FIELDS,
    incident_resume,
    incident_set_pending,
    incident_update,
)

__all__ = [
    "CHANGE_FIELDS",
    "incident_accept",
    "incident_add_reply",
    "incident_assess_change",
    "incident_assign",
    "incident_cancel",
    "incident_close",
    "incident_escalate",
    "incident_handle_escalation",
    "incident_inform_problem_coordinator",
    "incident_register",
    "incident_reopen",
    "incident_resolve",
    "incident_resume",
    "incident_send_back",
    "incident_set_pending",
    "incident_take",
    "incident_update",
    "incidents_auto_close",
]
