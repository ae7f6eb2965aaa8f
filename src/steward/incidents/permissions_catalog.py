"""Permissions of Incident Management (seed 003 ch. 8) and the roles that grant them.

Customer-side people hold ``incidents.incident.view`` and ``.register`` too: the queries
restrict a requester to their own requests and a customer representative to their
organisation's, and the services check the same on every write.
"""

from steward.core.choices import Role
from steward.core.permissions import ALL_ROLES, grant

R = Role
CUSTOMER_SIDE = {R.REQUESTER, R.CUSTOMER_REPRESENTATIVE}
DESK = {R.SERVICE_DESK_ANALYST, R.SYSTEM_ADMINISTRATOR}
WORKERS = DESK | {R.SPECIALIST, R.GROUP_COORDINATOR, R.CHANGE_COORDINATOR,
                  R.PROBLEM_COORDINATOR, R.OPERATOR}  # fmt: skip
REPORT_READERS = {R.GROUP_COORDINATOR, R.OPERATIONS_MANAGER, R.SERVICE_LEVEL_MANAGER,
                  R.SERVICE_OWNER, R.IT_DIRECTOR, R.PROBLEM_COORDINATOR,
                  R.SERVICE_DESK_ANALYST, R.SYSTEM_ADMINISTRATOR}  # fmt: skip

grant("incidents.incident.view", ALL_ROLES,
      "See incident requests (customer-side people: their own or their organisation's).")  # fmt: skip
grant("incidents.incident.register", ALL_ROLES,
      "Register incident requests (requesters: for themselves, through the portal).")  # fmt: skip
grant("incidents.incident.work", WORKERS,
      "Update, take, set pending, add actions to and resolve incident requests.")  # fmt: skip
grant("incidents.incident.assign", DESK | {R.GROUP_COORDINATOR},
      "Assign groups by hand (reopened requests) and, as group coordinator, specialists; "
      "send requests back to the service desk.")  # fmt: skip
grant("incidents.incident.escalate", {R.SERVICE_OWNER, R.ON_DUTY_MANAGER, R.SYSTEM_ADMINISTRATOR},
      "Handle escalated incidents (procedure 5): service owners of the service, and the "
      "on-duty manager standing in.")  # fmt: skip
grant("incidents.incident.close", DESK,
      "Close resolved requests on the requester's behalf and cancel requests.")  # fmt: skip
grant("incidents.incident.verify", CUSTOMER_SIDE | DESK,
      "Accept or reopen a resolved request (the requester, or the desk for them).")  # fmt: skip
grant("incidents.portal.use", CUSTOMER_SIDE, "Use the self-service portal.")
grant("incidents.solution.view", ALL_ROLES,
      "See solutions (customer-side people: active ones only).")  # fmt: skip
grant("incidents.solution.propose", WORKERS, "Propose a solution for general use.")
grant("incidents.solution.approve", {R.GROUP_COORDINATOR, R.SYSTEM_ADMINISTRATOR},
      "Activate or reject proposed solutions of one's group (procedure 7).")  # fmt: skip
grant("incidents.routing.change", {R.SYSTEM_ADMINISTRATOR, R.OPERATIONS_MANAGER},
      "Maintain routing rules, categories and the priority matrix.")  # fmt: skip
grant("incidents.report.view", REPORT_READERS, "See the incident reports.")
grant("incidents.mail.view", DESK | {R.OPERATIONS_MANAGER}, "See the log of inbound mail.")
