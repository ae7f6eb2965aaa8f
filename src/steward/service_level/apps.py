from django.apps import AppConfig


class ServiceLevelConfig(AppConfig):
    name = "steward.service_level"
    label = "service_level"
    verbose_name = "Service Level Management"

    def ready(self) -> None:
        from steward.service_level import (
            permissions_catalog,  # noqa: F401
            registry_sl,  # noqa: F401
        )
        from steward.service_level import demo, tasks  # noqa: F401
