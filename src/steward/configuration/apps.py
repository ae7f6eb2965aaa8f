from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "steward.configuration"
    label = "configuration"
    verbose_name = "Configuration Management"

    def ready(self) -> None:
        from steward.configuration import (  # noqa: F401
            demo,
            permissions_catalog,
            registry_baselines,
            registry_cmdb,
            registry_purchasing,
            registry_suppliers,
            tasks,
        )
        from steward.configuration.services import standard  # noqa: F401
