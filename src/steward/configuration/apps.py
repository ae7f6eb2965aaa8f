from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "steward.configuration"
    label = "configuration"
    verbose_name = "Configuration Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.configuration import (  # noqa: F401
            api,
            demo,
            events,
            permissions_catalog,
            registrations,
            tasks,
        )
        from steward.configuration.services import standard  # noqa: F401
        from steward.core import registry

        registry.api_routes(api.register)
        registry.demo_step("configuration", demo.load, after=("core.roles", "service_level"))
