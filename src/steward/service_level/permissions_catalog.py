"""Permissions of Service Level Management (seed 003 ch. 11) and the roles that grant them.

Scoped roles narrow a grant to records whose ``permission_scopes()`` include the scope:
a service owner holds ``service_owner`` limited to their service, a customer
representative ``customer_representative`` limited to their organisation.
"""

from steward.core.choices import Role
from steward.core.permissions import ALL_ROLES, PROVIDER_ROLES, grant

ADMINS = {Role.SYSTEM_ADMINISTRATOR, Role.SERVICE_LEVEL_ADMINISTRATOR}

grant(
    "service_level.service.view",
    ALL_ROLES,
    "See services (customer people: the services their organisation subscribes to).",
)
grant(
    "service_level.service.change",
    ADMINS | {Role.SERVICE_OWNER},
    "Register services and change them (a service owner: their own services).",
)
grant(
    "service_level.service.create",
    ADMINS,
    "Register new services (service owners change only the services they own).",
)
grant(
    "service_level.catalog.view",
    ALL_ROLES,
    "See the service catalog (customer people: published public items and their "
    "organisation's published private items).",
)
grant(
    "service_level.catalog.change",
    ADMINS,
    "Prepare, submit, publish, fail and discontinue catalog items; edit templates.",
)
grant(
    "service_level.catalog.approve",
    {Role.SERVICE_OWNER, Role.SERVICE_LEVEL_MANAGER, Role.FINANCIAL_MANAGER},
    "Approve a catalog item (only as a pending approver of its current round).",
)
grant(
    "service_level.agreement.view",
    PROVIDER_ROLES | {Role.CUSTOMER_REPRESENTATIVE},
    "See SLAs, OLAs and underpinning contracts (customer representatives: their "
    "organisation's SLAs).",
)
grant(
    "service_level.agreement.change",
    ADMINS,
    "Prepare agreements and their targets, and terminate them.",
)
grant(
    "service_level.agreement.sign",
    {
        Role.CUSTOMER_REPRESENTATIVE,
        Role.SERVICE_OWNER,
        Role.GROUP_COORDINATOR,
        Role.SERVICE_LEVEL_ADMINISTRATOR,
    },
    "Sign (or decline) an agreement as one of its parties; a service level "
    "administrator records a signature given on paper.",
)
grant(
    "service_level.review.view",
    {
        Role.SERVICE_LEVEL_MANAGER,
        Role.SERVICE_LEVEL_ADMINISTRATOR,
        Role.SERVICE_OWNER,
        Role.IT_DIRECTOR,
        Role.CUSTOMER_REPRESENTATIVE,
    },
    "See SLA reviews (customer representatives: their organisation's).",
)
grant(
    "service_level.review.change",
    {Role.SERVICE_LEVEL_MANAGER, Role.SYSTEM_ADMINISTRATOR},
    "Schedule SLA reviews, compute them, record meetings and close them.",
)
grant(
    "service_level.outage.change",
    ADMINS | {Role.OPERATIONS_MANAGER, Role.AVAILABILITY_MANAGER},
    "Record service outages.",
)
grant(
    "service_level.request_type.change",
    ADMINS | {Role.SERVICE_LEVEL_MANAGER},
    "Maintain the request types of catalog items and their form fields.",
)
