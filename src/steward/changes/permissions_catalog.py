"""Permissions of Change Management (seed 003 ch. 3) and the roles that grant them.

Who may act on a particular change is narrower than the permission: the change
coordinator of the change's service (a role limited to the service counts there), the
approvers the approver rule chose, the members of a task's group. The services check
both."""

from steward.core.choices import Role
from steward.core.permissions import PROVIDER_ROLES, grant

R = Role
COORDINATORS = {R.CHANGE_COORDINATOR, R.CHANGE_MANAGER, R.SYSTEM_ADMINISTRATOR}
MANAGERS = {R.CHANGE_MANAGER, R.SYSTEM_ADMINISTRATOR}
# Who works change tasks (proc. 4-6): specialists, release administrators (the transfers
# to test and production) and the coordinators who hand the tasks out.
TASK_WORKERS = COORDINATORS | {
    R.SPECIALIST,
    R.GROUP_COORDINATOR,
    R.RELEASE_ADMINISTRATOR,
    R.CONFIGURATION_ADMINISTRATOR,
    R.CAPACITY_MANAGER,
    R.CONTINUITY_PLANNER,
}

grant("changes.change.view", PROVIDER_ROLES, "See changes, requests for change and the calendar.")
grant(
    "changes.rfc.submit",
    PROVIDER_ROLES,
    "Submit a request for change (from an incident, a known error, a release, continuity).",
)
grant(
    "changes.rfc.review",
    COORDINATORS,
    "Review requests for change: register, link, reject or hand to Release Management (proc. 1).",
)
grant(
    "changes.change.coordinate",
    COORDINATORS,
    "Register, analyse, plan, hand out tasks for and close changes (proc. 1, 2, 4-6, 8).",
)
grant(
    "changes.change.manage",
    MANAGERS,
    "Review changes for approval and collect the approvals (proc. 3, the change manager).",
)
grant(
    "changes.change.approve",
    {R.SERVICE_OWNER, R.CUSTOMER_REPRESENTATIVE, R.CHANGE_MANAGER, R.SYSTEM_ADMINISTRATOR},
    "Approve or reject a change when the approver rule names you (proc. 3).",
)
grant("changes.task.work", TASK_WORKERS, "Work the change tasks of your groups (proc. 4-6).")
grant(
    "changes.emergency.request",
    {R.SERVICE_OWNER, R.ON_DUTY_MANAGER, R.SYSTEM_ADMINISTRATOR},
    "Ask a specialist to implement an emergency change for an escalated incident (proc. 7).",
)
grant(
    "changes.emergency.implement",
    {R.SPECIALIST, R.RELEASE_ADMINISTRATOR, R.SYSTEM_ADMINISTRATOR},
    "Implement and production-test an emergency change you were asked to (proc. 7, 8).",
)
grant(
    "changes.template.change",
    MANAGERS,
    "Maintain change templates, task templates and change policies.",
)
grant(
    "changes.planned_event.change",
    COORDINATORS | {R.SERVICE_OWNER, R.OPERATIONS_MANAGER},
    "Put maintenance windows, blackout periods and other planned events on the calendar.",
)
grant("changes.kpi.view", PROVIDER_ROLES, "See the Change Management KPIs.")
