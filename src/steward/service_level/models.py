"""Services (seed 003 ch. 11). The foundation holds what roles and demo data need;
the Service Level Management issue adds the catalog, agreements and targets."""

from django.db import models

from steward.core.models import NumberedRecord
from steward.service_level.choices import ServiceStatus


class Service(NumberedRecord):
    NUMBER_PREFIX = "SVC"

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, related_name="owned_services", null=True
    )
    status = models.CharField(
        max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.IN_DESIGN
    )
    service_hours = models.ForeignKey(
        "core.BusinessCalendar", on_delete=models.PROTECT, null=True, blank=True
    )
    provider = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="provided_services", null=True
    )
    customers = models.ManyToManyField(
        "core.Organisation", related_name="subscribed_services", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def permission_scopes(self) -> list[models.Model]:
        return [self]
