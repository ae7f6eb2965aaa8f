"""Incident Management in the shell (desk pages and the self-service portal): navigation.

The queues ("Incident requests") and My work are registered in ``registry_incidents``.
Customer-side people hold no ``incidents.incident.work``, so they never see the desk's
entries; the queue pages send them to the portal.
"""

from steward.core import registry

AREA = "Service desk"

registry.nav(
    AREA, "New incident request", "incidents:incident-create", "incidents.incident.work", 15
)
# The requester's own requests. ``verify`` is held by customer-side people and the desk
# only (a dedicated portal permission would narrow it to customer-side people).
registry.nav(AREA, "My requests", "incidents:portal-home", "incidents.portal.use", 5)
