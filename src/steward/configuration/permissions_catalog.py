"""Permissions of Configuration Management (seed 003 ch. 4) and the roles that grant them."""

from steward.core.choices import Role
from steward.core.permissions import PROVIDER_ROLES, grant

ADMINS = {Role.SYSTEM_ADMINISTRATOR, Role.CONFIGURATION_ADMINISTRATOR}

grant("configuration.ci.view", PROVIDER_ROLES, "See configuration items and their relations.")
grant(
    "configuration.ci.change",
    ADMINS,
    "Register, edit and verify configuration items and their relationships.",
)
grant(
    "configuration.class.change",
    ADMINS,
    "Define CI classes, their attributes, relationship types and rules.",
)
