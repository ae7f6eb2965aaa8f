from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "steward.configuration"
    label = "configuration"
    verbose_name = "Configuration Management"

    def ready(self) -> None:
        from steward.configuration import permissions_catalog  # noqa: F401
