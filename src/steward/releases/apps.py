from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "steward.releases"
    label = "releases"
    verbose_name = "Release Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.core import registry
        from steward.releases import (  # noqa: F401
            api,
            demo,
            events,
            permissions_catalog,
            registrations,
            tasks,
        )

        registry.api_routes(api.register)
        registry.demo_step(
            "releases",
            demo.load,
            after=("core.roles", "service_level", "configuration", "incidents", "changes",
                   "problems"),
        )  # fmt: skip
