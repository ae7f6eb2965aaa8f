"""Customers: their contact details, representatives and service level managers, subscribed
services, SLAs and reviews (seed 003 ch. 11 proc. 3)."""

from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.urls import path, reverse

from steward.core import permissions
from steward.core.choices import Role
from steward.core.filters import OrganisationFilterSet
from steward.core.models import Organisation
from steward.core.views.directory import contact_fields
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordActionFormView,
    RecordDetailView,
    RecordListView,
    Related,
)
from steward.service_level import queries
from steward.service_level.choices import AgreementKind, AgreementStatus
from steward.service_level.forms import ContactsForm
from steward.service_level.services import customers as svc
from steward.service_level.views.common import scoped_holders

CONTACT_ROLES = [Role.CUSTOMER_REPRESENTATIVE, Role.SERVICE_LEVEL_MANAGER]


def _customer_url(org: Organisation) -> str:
    return reverse("service_level:customer-detail", args=[org.pk])


class CustomerListView(RecordListView):
    permission = "service_level.service.view"
    title = "Customers"
    query = queries.customers_for
    filterset_class = OrganisationFilterSet
    default_sort = "name"
    columns = (
        Column("name", "Name", sort="name", url=_customer_url),
        Column("code", "Code", sort="code", classes="hide-sm"),
        Column("email", "Email", sort="email", classes="hide-sm"),
        Column("phone", "Phone", classes="hide-sm"),
        Column(
            "services",
            "Services",
            value="service_count",
            sort="service_count",
            classes="num narrow",
        ),
        Column("slas", "Active SLAs", value="sla_count", sort="sla_count", classes="num narrow"),
        Column("is_active", "Active", sort="is_active", classes="narrow"),
    )

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .annotate(
                service_count=Count("subscribed_services", distinct=True),
                sla_count=Count(
                    "slas",
                    filter=Q(slas__kind=AgreementKind.SLA, slas__status=AgreementStatus.ACTIVE),
                    distinct=True,
                ),
            )
        )

    def restrict_filters(self, filterset: Any) -> None:
        # Every row is a customer: the kind filter would only confuse.
        filterset.form.fields.pop("kind", None)


class CustomerDetailView(RecordDetailView):
    permission = "service_level.service.view"
    template_name = "service_level/customer_detail.html"
    query_one = queries.customer_for
    list_url_name = "service_level:customer-list"
    kind_label = "Customer"

    def get_title(self, obj: Organisation) -> str:
        return obj.name

    def get_fields(self, obj: Organisation) -> list[Field]:
        return [
            Field("Code", obj.code),
            *contact_fields(obj),
            Field("Active", obj.is_active),
            Field("Address", obj.address, wide=True),
        ]

    def get_related(self, obj: Organisation) -> list[Related]:
        actor = self.actor
        sections = [
            Related(
                "Subscribed services",
                queries.services_for(actor).filter(customers=obj).select_related("owner"),
                [
                    Column("number", "Number", link=True),
                    Column("name", "Name", link=True),
                    Column("owner", "Owner", value="owner.display_name"),
                    Column("status", "Status", value="status", badge=True),
                ],
                empty_text="Not subscribed to any service yet.",
            )
        ]
        if permissions.has(actor, "service_level.agreement.view"):
            sections.append(
                Related(
                    "Service level agreements",
                    queries.agreements_for(actor)
                    .filter(customer=obj, kind=AgreementKind.SLA)
                    .select_related("service"),
                    [
                        Column("number", "Number", link=True),
                        Column("name", "Name"),
                        Column("service", "Service", value="service.name"),
                        Column("status", "Status", value="status", badge=True),
                        Column("term_end", "Term ends"),
                    ],
                    empty_text="No SLAs.",
                    list_url=reverse("service_level:agreement-list") + f"?customer={obj.pk}",
                )
            )
        if permissions.has(actor, "service_level.review.view"):
            sections.append(
                Related(
                    "SLA reviews",
                    queries.reviews_for(actor).filter(customer=obj),
                    [
                        Column("number", "Number", link=True),
                        Column("term_start", "Term starts"),
                        Column("term_end", "Term ends"),
                        Column("status", "Status", value="status", badge=True),
                    ],
                    empty_text="No reviews yet.",
                )
            )
        return sections

    def get_actions(self, obj: Organisation) -> list[Action]:
        return [
            Action(
                "Edit contacts",
                reverse("service_level:customer-contacts", args=[obj.pk]),
                "core.organisation.change",
            ),
            Action(
                "Edit details",
                reverse("core:organisation-edit", args=[obj.pk]),
                "core.organisation.change",
            ),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        org = context["record"]
        holders = scoped_holders(org, [str(r) for r in CONTACT_ROLES])
        context.update(
            representatives=holders[Role.CUSTOMER_REPRESENTATIVE],
            service_level_managers=holders[Role.SERVICE_LEVEL_MANAGER],
            people=list(org.people.filter(is_active=True).order_by("last_name", "first_name")[:50]),
        )
        return context


class CustomerContactsView(RecordActionFormView):
    """Who represents the customer and who is its service level manager (proc. 3)."""

    permission = "core.organisation.change"
    form_class = ContactsForm
    submit_label = "Save contacts"
    success_message = "Contacts saved."
    query_one = queries.customer_for
    title_format = "Contacts of {obj.name}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"organisation": self.get_object()}

    def get_initial(self) -> dict[str, Any]:
        holders = scoped_holders(self.get_object(), [str(r) for r in CONTACT_ROLES])
        return {
            "representatives": [p.pk for p in holders[Role.CUSTOMER_REPRESENTATIVE]],
            "service_level_managers": [p.pk for p in holders[Role.SERVICE_LEVEL_MANAGER]],
        }

    def get_cancel_url(self) -> str:
        return _customer_url(self.get_object())

    def perform(self, form: forms.Form) -> Any:
        org = self.get_object()
        svc.customer_set_contacts(
            actor=self.actor,
            organisation_id=org.pk,
            representatives=[p.pk for p in form.cleaned_data["representatives"]],
            service_level_managers=[p.pk for p in form.cleaned_data["service_level_managers"]],
            expected_version=self.expected_version(form),
        )
        return _customer_url(org)


urlpatterns = [
    path("customers/", CustomerListView.as_view(), name="customer-list"),
    path("customers/<int:pk>/", CustomerDetailView.as_view(), name="customer-detail"),
    path("customers/<int:pk>/contacts/", CustomerContactsView.as_view(), name="customer-contacts"),
]
