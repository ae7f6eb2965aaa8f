from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "steward.incidents"
    label = "incidents"
    verbose_name = "Incident Management"

    def ready(self) -> None:
        from steward.incidents import (  # noqa: F401
            demo,
            events,
            permissions_catalog,
            registry_incidents,
            registry_mail,
            registry_portal,
            registry_reports,
            registry_solutions,
            standard,
            tasks,
        )
