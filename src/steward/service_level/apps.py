from django.apps import AppConfig


class ServiceLevelConfig(AppConfig):
    name = "steward.service_level"
    label = "service_level"
    verbose_name = "Service Level Management"

    def ready(self) -> None:
        # Everything the area plugs into core, in one place: core never imports an area.
        from steward.core import registry
        from steward.service_level import (  # noqa: F401
            api,
            demo,
            events,
            permissions_catalog,
            registrations,
            tasks,
        )

        registry.api_routes(api.register)
        # Services before the core's roles: some demo roles are limited to a service.
        registry.demo_step(
            "service_level.services",
            demo.services,
            after=("core.directory",),
            before=("core.roles",),
        )
        registry.demo_step("service_level", demo.load, after=("core.roles",))
        registry.role_scope("service", "service_level.Service", "Services")
