from steward.core.choices import Role
from steward.core.permissions import ALL_ROLES, grant

grant(
    "service_level.service.view",
    ALL_ROLES,
    "See services (customer people: their subscribed ones).",
)
grant(
    "service_level.service.change",
    {Role.SYSTEM_ADMINISTRATOR, Role.SERVICE_LEVEL_ADMINISTRATOR, Role.SERVICE_OWNER},
    "Register services and change them (a service owner: their own services).",
)
