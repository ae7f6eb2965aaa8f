"""Permissions of Release Management (seed 003 ch. 10) and the roles that grant them.

Who may act on a particular record is narrower than the permission: the release
coordinator of the release's service (a role limited to the service counts there); a
vote needs a member of that meeting's CAB. The services check both."""

from steward.core.choices import Role
from steward.core.permissions import PROVIDER_ROLES, grant

R = Role
COORDINATORS = {R.RELEASE_COORDINATOR, R.SYSTEM_ADMINISTRATOR}

grant(
    "releases.release.view",
    PROVIDER_ROLES,
    "See releases, CABs and their meetings, business cases and the Release Management reports.",
)
grant(
    "releases.release.coordinate",
    COORDINATORS,
    "Handle requests for change, run CAB meetings, register, justify, coordinate, review "
    "and close releases (proc. 1-4).",
)
grant(
    "releases.cab.manage",
    COORDINATORS,
    "Set up the CAB of a service (its members) and the release policy.",
)
grant(
    "releases.cab.vote",
    {R.CAB_MEMBER},
    "Vote on the requests for change of a CAB meeting you are a member of (proc. 2).",
)
grant(
    "releases.business_case.approve",
    {R.SERVICE_OWNER, R.IT_DIRECTOR, R.FINANCIAL_MANAGER},
    "Approve or reject the business case of a release (proc. 3).",
)
grant(
    "releases.deployment.transfer",
    {R.RELEASE_ADMINISTRATOR, R.SYSTEM_ADMINISTRATOR},
    "Transfer a release between environments, take baselines and roll a release back.",
)
grant("releases.kpi.view", PROVIDER_ROLES, "See the Release Management KPIs.")
