from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "steward.core"
    label = "core"
    verbose_name = "Steward core"

    def ready(self) -> None:
        # Register the core permissions, navigation entries, search providers and
        # periodic jobs; every area does the same in its own ready().
        from steward.core import (  # noqa: F401
            audit,
            checks,
            events,
            permissions_catalog,
            registry_core,
            schema,
            tasks,
        )
