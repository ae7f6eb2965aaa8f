"""What the filter sets of Service Level Management share: choice filters that offer only the
records the requesting person may see, so a filter never reveals a record's existence."""

from django import forms

from steward.core.filters import choices_for
from steward.core.models import Organisation, Person, SupportGroup
from steward.core.queries import groups_for, organisations_for, people_for
from steward.service_level import queries
from steward.service_level.models import Agreement, CatalogItem, Service

service_choices = choices_for(queries.services_for, Service)
customer_choices = choices_for(queries.customers_for, Organisation)
organisation_choices = choices_for(organisations_for, Organisation)
person_choices = choices_for(people_for, Person)
group_choices = choices_for(groups_for, SupportGroup)
agreement_choices = choices_for(queries.agreements_for, Agreement)
item_choices = choices_for(queries.catalog_items_for, CatalogItem)

# A real date picker in the list filters (the API reads the same ISO dates).
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
