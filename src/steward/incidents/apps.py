from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "steward.incidents"
    label = "incidents"
    verbose_name = "Incident Management"

    def ready(self) -> None:
        from steward.core import clocks
        from steward.incidents import (  # noqa: F401
            demo,
            permissions_catalog,
            registry_incidents,
            registry_mail,
            registry_portal,
            registry_reports,
            registry_solutions,
            standard,
            tasks,
        )
        from steward.incidents.models import IncidentRequest
        from steward.incidents.queries.incidents import incidents_for

        # A request's clocks are readable by whoever may see the request (GET /api/v1/clocks/).
        clocks.register_reader(IncidentRequest, incidents_for)
