from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "steward.problems"
    label = "problems"
    verbose_name = "Problem Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.core import registry
        from steward.problems import (  # noqa: F401
            api,
            demo,
            events,
            permissions_catalog,
            registrations,
            tasks,
        )

        registry.api_routes(api.register)
        registry.demo_step(
            "problems",
            demo.load,
            after=("core.roles", "service_level", "configuration", "incidents", "changes"),
        )
