"""Reads of agreements (SLA, OLA, UC) and their service level targets, restricted to the actor."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from steward.core import permissions
from steward.core.models import Organisation, Person
from steward.core.queries import one, permitted
from steward.service_level.choices import AgreementKind
from steward.service_level.models import Agreement, ServiceLevelTarget
from steward.service_level.queries.catalog import catalog_items_for


def _scoped_ids(actor: Person, permission: str, model: type) -> tuple[bool, set[int]]:
    """(granted everywhere?, ids of ``model`` the actor's scoped roles cover)."""
    everywhere, scoped = permissions.scopes_for(actor, permission)
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    return everywhere, set(scoped.get(ct.id, set()))


def agreements_for(actor: Person) -> QuerySet[Agreement]:
    """Provider people see all agreements; customer representatives the SLAs of the
    organisations they represent; requesters none."""
    permission = "service_level.agreement.view"

    def theirs(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
        everywhere, org_ids = _scoped_ids(actor, permission, Organisation)
        if everywhere:
            org_ids = permissions.customer_organisation_ids(actor)
        return qs.filter(kind=AgreementKind.SLA, customer_id__in=org_ids)

    qs = Agreement.objects.select_related(
        "service", "catalog_item", "customer", "support_group", "supplier"
    )
    return permitted(actor, permission, qs, theirs)


def agreement_for(actor: Person, pk: Any) -> Agreement:
    return one(agreements_for(actor), pk)


def targets_for(actor: Person) -> QuerySet[ServiceLevelTarget]:
    """Targets of the agreements and catalog items the actor may see."""
    agreements = agreements_for(actor).values("pk")
    items = catalog_items_for(actor).values("pk")
    return ServiceLevelTarget.objects.filter(
        Q(agreement_id__in=agreements) | Q(catalog_item_id__in=items)
    ).select_related("agreement", "catalog_item")


def target_for(actor: Person, pk: Any) -> ServiceLevelTarget:
    return one(targets_for(actor), pk)
