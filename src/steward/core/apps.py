from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "steward.core"
    label = "core"
    verbose_name = "Steward core"

    def ready(self) -> None:
        # Register the core permissions, navigation entries, search providers, role
        # scopes, demo steps and periodic jobs; every area does the same in its own ready().
        from steward.core import (  # noqa: F401
            audit,
            checks,
            events,
            permissions_catalog,
            registrations,
            schema,
            tasks,
        )
        from steward.core.demo import loader  # noqa: F401
