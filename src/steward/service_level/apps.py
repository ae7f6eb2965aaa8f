from django.apps import AppConfig


class ServiceLevelConfig(AppConfig):
    name = "steward.service_level"
    label = "service_level"
    verbose_name = "Service Level Management"

    def ready(self) -> None:
        from steward.service_level import (  # noqa: F401
            demo,
            events,
            permissions_catalog,
            registry_sl,
            tasks,
        )
