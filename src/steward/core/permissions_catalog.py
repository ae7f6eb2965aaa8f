"""Permissions of the core building blocks and the roles that grant them."""

from steward.core.choices import Role
from steward.core.permissions import ALL_ROLES, PROVIDER_ROLES, grant

ADMIN = {Role.SYSTEM_ADMINISTRATOR}

grant("core.access", ALL_ROLES, "Use Steward at all (log in to pages and the API).")
grant("core.person.view", ALL_ROLES, "See people (customer people: their own organisations).")
grant(
    "core.person.change",
    ADMIN | {Role.SERVICE_DESK_ANALYST, Role.SERVICE_LEVEL_ADMINISTRATOR},
    "Register and edit people.",
)
grant("core.organisation.view", ALL_ROLES, "See organisations (customer people: their own).")
grant(
    "core.organisation.change",
    ADMIN | {Role.SERVICE_LEVEL_ADMINISTRATOR},
    "Register and edit organisations.",
)
grant("core.group.view", PROVIDER_ROLES, "See support groups and their members.")
grant("core.group.change", ADMIN, "Create support groups and change their members.")
grant("core.role.view", PROVIDER_ROLES, "See who holds which role.")
grant("core.role.change", ADMIN, "Give and take away roles.")
grant("core.calendar.view", PROVIDER_ROLES, "See business calendars.")
grant(
    "core.calendar.change",
    ADMIN | {Role.SERVICE_LEVEL_ADMINISTRATOR},
    "Edit business calendars, service hours and holidays.",
)
grant("core.webhook.change", ADMIN, "Manage outbound webhooks and read their delivery log.")
grant(
    "core.token.own",
    ALL_ROLES,
    "Create API tokens for oneself (a token never does more than its owner may).",
)
grant("core.lockout.change", ADMIN, "See login lockouts and lift them.")
grant(
    "core.response_template.use",
    PROVIDER_ROLES,
    "Write replies and resolutions from templates; keep personal templates.",
)
grant(
    "core.response_template.share",
    ADMIN
    | {
        Role.GROUP_COORDINATOR,
        Role.PROBLEM_COORDINATOR,
        Role.CHANGE_COORDINATOR,
        Role.RELEASE_COORDINATOR,
        Role.CHANGE_MANAGER,
        Role.OPERATIONS_MANAGER,
        Role.ON_DUTY_MANAGER,
        Role.SERVICE_LEVEL_MANAGER,
    },
    "Maintain the shared reply and resolution templates.",
)
