from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "steward.incidents"
    label = "incidents"
    verbose_name = "Incident Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.core import clocks, registry
        from steward.incidents import (  # noqa: F401
            api,
            demo,
            events,
            permissions_catalog,
            registrations,
            standard,
            tasks,
        )

        registry.api_routes(api.register)
        registry.demo_step(
            "incidents", demo.load, after=("core.roles", "service_level", "configuration")
        )
        from steward.incidents.models import IncidentRequest
        from steward.incidents.queries.incidents import incidents_for

        # A request's clocks are readable by whoever may see the request (GET /api/v1/clocks/).
        clocks.register_reader(IncidentRequest, incidents_for)
