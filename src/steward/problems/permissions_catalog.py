"""Permissions of Problem Management (seed 003 ch. 9) and the roles that grant them.

Who may act on a particular problem is narrower than the permission: the problem
coordinator of the problem's service (a role limited to the service counts there) and
the specialist it is assigned to. The services check both."""

from steward.core.choices import Role
from steward.core.permissions import PROVIDER_ROLES, grant

R = Role
COORDINATORS = {R.PROBLEM_COORDINATOR, R.SYSTEM_ADMINISTRATOR}
# Who analyses problems (proc. 2): specialists, and the coordinators who may do it
# themselves (a group coordinator is a specialist of the group too).
ANALYSTS = COORDINATORS | {R.SPECIALIST, R.GROUP_COORDINATOR}

grant(
    "problems.problem.view",
    PROVIDER_ROLES,
    "See problem investigations, known errors and the Problem Management reports.",
)
grant(
    "problems.problem.coordinate",
    COORDINATORS,
    "Review incident requests, register, assign, review, close problem investigations "
    "and raise known errors (proc. 1, 3, 4).",
)
grant(
    "problems.problem.analyse",
    ANALYSTS,
    "Analyse the problem investigations assigned to you: workaround, root cause, "
    "structural solutions (proc. 2).",
)
grant(
    "problems.candidate.view",
    COORDINATORS,
    "See the clusters of similar incident requests the system proposes as problems.",
)
grant("problems.kpi.view", PROVIDER_ROLES, "See the Problem Management KPIs.")
