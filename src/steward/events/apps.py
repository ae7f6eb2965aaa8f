from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "steward.events"
    label = "events"
    verbose_name = "Event Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.core import registry
        from steward.events import (  # noqa: F401
            api,
            demo,
            events,
            permissions_catalog,
            registrations,
            tasks,
        )

        registry.api_routes(api.register)
        registry.demo_step(
            "events",
            demo.load,
            after=("core.roles", "service_level", "configuration", "incidents", "changes",
                   "problems", "releases"),
        )  # fmt: skip
