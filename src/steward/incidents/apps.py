from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "steward.incidents"
    label = "incidents"
    verbose_name = "Incident Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.core import registry
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
