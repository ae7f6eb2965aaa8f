"""What the filter sets of Service Level Management share: choice filters that offer only the
records the requesting person may see, so a filter never reveals a record's existence."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from steward.core.models import Organisation, Person, SupportGroup
from steward.core.queries import groups_for, organisations_for, people_for
from steward.service_level import queries
from steward.service_level.models import Agreement, CatalogItem, Service


def visible(query: Any, model: type) -> Any:
    """A queryset callable for ModelChoiceFilter: what the request's user may see."""

    def choices(request: Any) -> QuerySet:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return model.objects.none()
        return query(user)

    return choices


service_choices = visible(queries.services_for, Service)
customer_choices = visible(queries.customers_for, Organisation)
organisation_choices = visible(organisations_for, Organisation)
person_choices = visible(people_for, Person)
group_choices = visible(groups_for, SupportGroup)
agreement_choices = visible(queries.agreements_for, Agreement)
item_choices = visible(queries.catalog_items_for, CatalogItem)

# A real date picker in the list filters (the API reads the same ISO dates).
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
