from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "steward.configuration"
    label = "configuration"
    verbose_name = "Configuration Management"
