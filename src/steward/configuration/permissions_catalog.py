"""Permissions of Configuration Management (seed 003 ch. 4) and the roles that grant them."""

from steward.core.choices import Role
from steward.core.permissions import PROVIDER_ROLES, grant

ADMINS = {Role.SYSTEM_ADMINISTRATOR, Role.CONFIGURATION_ADMINISTRATOR}
# Seed 003 names "approvers" of purchase requisitions without a role of their own: the
# people who hold the budget.
APPROVERS = {Role.FINANCIAL_MANAGER, Role.IT_CONTROLLER, Role.IT_DIRECTOR}
PURCHASING = {Role.PURCHASING_AGENT, Role.SYSTEM_ADMINISTRATOR}
MONEY_READERS = (
    ADMINS
    | APPROVERS
    | {Role.PURCHASING_AGENT, Role.OPERATIONS_MANAGER, Role.SERVICE_LEVEL_MANAGER}
)

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
grant(
    "configuration.baseline.change",
    ADMINS,
    "Take baselines of CIs (seeing and comparing them needs only configuration.ci.view).",
)
grant(
    "configuration.integrity.run",
    ADMINS,
    "Run the CMDB integrity checks on demand (the reports need configuration.ci.view).",
)

# Procedure 2: supplier information maintenance.
grant("configuration.supplier.view", PROVIDER_ROLES, "See suppliers and their contacts.")
grant(
    "configuration.supplier.change",
    ADMINS | {Role.PURCHASING_AGENT},
    "Register suppliers and keep their contact details up to date.",
)

# Procedure 5: contract administration.
grant(
    "configuration.contract.view",
    MONEY_READERS,
    "See contracts and licence certificates, their values and licence compliance.",
)
grant(
    "configuration.contract.change",
    ADMINS,
    "Register and update contracts and licence certificates.",
)

# Procedures 1 and 3: CI requisition and delivery.
grant(
    "configuration.requisition.view",
    MONEY_READERS | {Role.CHANGE_COORDINATOR, Role.CHANGE_MANAGER},
    "See purchase requisitions.",
)
grant(
    "configuration.requisition.create",
    ADMINS,
    "Fill out and submit purchase requisitions, check deliveries and register the CIs.",
)
grant(
    "configuration.requisition.purchase",
    PURCHASING,
    "Obtain quotes, request approval, order, and update purchase line items.",
)
grant(
    "configuration.requisition.approve",
    APPROVERS,
    "Approve or reject purchase requisitions when named as an approver.",
)
