from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "steward.changes"
    label = "changes"
    verbose_name = "Change Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.changes import (  # noqa: F401
            api,
            demo,
            events,
            permissions_catalog,
            registrations,
            tasks,
        )
        from steward.core import registry

        registry.api_routes(api.register)
        registry.demo_step(
            "changes",
            demo.load,
            after=("core.roles", "service_level", "configuration", "incidents"),
        )
