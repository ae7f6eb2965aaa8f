"""Reads of business services and their outages, restricted to what the actor may see."""

from typing import Any

from django.db.models import QuerySet

from steward.core import permissions
from steward.core.models import Person
from steward.core.queries import one, permitted
from steward.service_level.models import Outage, Service


def services_for(actor: Person) -> QuerySet[Service]:
    def theirs(qs: QuerySet[Service]) -> QuerySet[Service]:
        orgs = permissions.customer_organisation_ids(actor)
        subscribed = Service.customers.through.objects.filter(organisation_id__in=orgs)
        return qs.filter(pk__in=subscribed.values("service_id"))

    qs = Service.objects.select_related("owner", "service_hours", "provider")
    return permitted(actor, "service_level.service.view", qs, theirs)


def service_for(actor: Person, pk: Any) -> Service:
    return one(services_for(actor), pk)


def outages_for(actor: Person) -> QuerySet[Outage]:
    """Outages of the services the actor may see."""
    return Outage.objects.filter(service_id__in=services_for(actor).values("pk")).select_related(
        "service"
    )


def outage_for(actor: Person, pk: Any) -> Outage:
    return one(outages_for(actor), pk)
