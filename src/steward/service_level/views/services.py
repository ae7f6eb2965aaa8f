"""Business services: the list, the service record with its role holders, agreements,
catalog items and outages, and the Business Service form (seed 003 ch. 11 proc. 2)."""

from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.urls import path, reverse, reverse_lazy

from steward.core import permissions
from steward.core.choices import Role
from steward.core.ids import parse_id
from steward.core.views.calendars import hours_summary
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordActionFormView,
    RecordDetailView,
    RecordListView,
    Related,
    ServiceFormView,
    action_urls,
    header_buttons,
)
from steward.service_level import queries
from steward.service_level.actions import SERVICE
from steward.service_level.filters import OutageFilterSet, ServiceFilterSet
from steward.service_level.forms import OutageForm, ServiceForm
from steward.service_level.models import Service
from steward.service_level.queries.compliance import service_compliance
from steward.service_level.services import services as svc
from steward.service_level.services.agreements import outage_record as svc_outage_record
from steward.service_level.views.common import (
    charge_words,
    compliance_context,
    role_label,
    scoped_holders,
)

# The roles seed 003 limits to one service ("the change coordinator of the service").
SERVICE_ROLES = [
    Role.SERVICE_OWNER,
    Role.CHANGE_COORDINATOR,
    Role.PROBLEM_COORDINATOR,
    Role.RELEASE_COORDINATOR,
    Role.CAPACITY_MANAGER,
    Role.AVAILABILITY_MANAGER,
    Role.CONTINUITY_PLANNER,
]
SERVICE_FIELDS = ("name", "description", "owner", "provider", "service_hours")


def _party(agreement: Any) -> str:
    party = agreement.customer or agreement.support_group or agreement.supplier
    return str(party) if party else ""


def _duration(outage: Any) -> str:
    if outage.ended_at is None:
        return "ongoing"
    minutes = int((outage.ended_at - outage.started_at).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


class ServiceListView(RecordListView):
    permission = "service_level.service.view"
    title = "Services"
    query = queries.services_for
    filterset_class = ServiceFilterSet
    default_sort = "name"
    create_url_name = "service_level:service-create"
    create_permission = "service_level.service.create"
    create_label = "New service"
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("name", "Name", sort="name", link=True),
        Column("owner", "Owner", value="owner.display_name", sort=("owner__last_name",)),
        STATUS_COLUMN,
        Column("service_hours", "Service hours", value="service_hours.name", classes="hide-sm"),
        Column(
            "customers",
            "Customers",
            value="customer_count",
            sort="customer_count",
            classes="num narrow",
        ),
        Column(
            "active_slas",
            "Active SLAs",
            value="active_sla_count",
            sort="active_sla_count",
            classes="num narrow",
        ),
    )

    def get_queryset(self) -> QuerySet:
        # Counts as annotations: one query for the page, whatever its size.
        return (
            super()
            .get_queryset()
            .select_related("owner", "service_hours")
            .annotate(
                customer_count=Count("customers", distinct=True),
                active_sla_count=Count(
                    "agreements",
                    filter=Q(agreements__kind="sla", agreements__status="active"),
                    distinct=True,
                ),
            )
        )


# The columns of a service in the lists of services one relies on or supports.
SERVICE_COLUMNS = [
    Column("number", "Number", link=True),
    Column("name", "Name", link=True),
    Column("status", "Status", value="status", badge=True),
]


def _catalog_section(actor: Any, obj: Service) -> Related:
    """The service's catalog items: customer people see the published ones, and go to
    their catalog entry instead of the item's record page."""
    customer_side = permissions.is_customer_side(actor)
    if customer_side:
        items = queries.published_catalog_for(actor).filter(service=obj)
    else:
        items = queries.catalog_items_for(actor).filter(service=obj).select_related("customer")
    number_url = (
        (lambda i: reverse("service_level:catalog-entry", args=[i.pk])) if customer_side else None
    )
    return Related(
        "Catalog items",
        items,
        [
            Column("number", "Number", link=not customer_side, url=number_url),
            Column("name", "Name"),
            Column("customer", "For customer", value="customer.name"),
            Column("status", "Status", value="status", badge=True),
            Column("charge", "Charge", value=charge_words),
        ],
        empty_text="No catalog items for this service.",
    )


class ServiceDetailView(RecordDetailView):
    permission = "service_level.service.view"
    template_name = "service_level/service_detail.html"
    query_one = queries.service_for
    status_field = "status"
    list_url_name = "service_level:service-list"
    note_permission = "service_level.service.change"
    kind_label = "Service"

    def get_fields(self, obj: Service) -> list[Field]:
        calendar = obj.service_hours
        return [
            Field(
                "Owner",
                obj.owner.display_name if obj.owner_id else None,
                url=obj.owner.get_absolute_url() if obj.owner_id else "",
            ),
            Field("Provider", obj.provider.name if obj.provider_id else None),
            Field(
                "Service hours",
                f"{calendar.name}: {hours_summary(calendar)}" if calendar else "Around the clock",
            ),
            Field("Discontinued", obj.discontinued_at),
            Field("Description", obj.description, wide=True),
        ]

    def get_related(self, obj: Service) -> list[Related]:
        actor = self.actor
        sections = [
            Related(
                "Supporting services",
                queries.services_for(actor).filter(supported_services=obj),
                SERVICE_COLUMNS,
                empty_text="This service does not rely on other services.",
            ),
            Related(
                "Supports",
                queries.services_for(actor).filter(supporting_services=obj),
                SERVICE_COLUMNS,
                empty_text="No other service relies on this one.",
            ),
            _catalog_section(actor, obj),
        ]
        if permissions.has(actor, "service_level.agreement.view"):
            sections.append(
                Related(
                    "Agreements",
                    queries.agreements_for(actor)
                    .filter(service=obj)
                    .select_related("customer", "support_group", "supplier"),
                    [
                        Column("number", "Number", link=True),
                        Column("name", "Name"),
                        Column("kind", "Kind", value=lambda a: a.get_kind_display()),
                        Column("party", "Party", value=_party),
                        Column("status", "Status", value="status", badge=True),
                        Column("term_end", "Term ends"),
                    ],
                    empty_text="No agreements for this service.",
                )
            )
        sections.append(
            Related(
                "Recent outages",
                queries.outages_for(actor).filter(service=obj).order_by("-started_at")[:20],
                [
                    Column("started_at", "Started"),
                    Column("ended_at", "Ended"),
                    Column("duration", "Duration", value=_duration),
                    Column("degraded", "Degraded"),
                    Column("planned", "Planned"),
                    Column("source_reference", "Source"),
                ],
                empty_text="No outages recorded.",
                list_url=reverse("service_level:outage-list") + f"?service={obj.pk}",
            )
        )
        return sections

    def get_actions(self, obj: Service) -> list[Action]:
        change = "service_level.service.change"
        actions = [Action("Edit", reverse("service_level:service-edit", args=[obj.pk]), change)]
        actions += header_buttons(SERVICE, self.actor, obj)
        if permissions.has(self.actor, "service_level.outage.change"):
            actions.append(
                Action(
                    "Record outage", reverse("service_level:outage-create") + f"?service={obj.pk}"
                )
            )
        return actions

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        holders = scoped_holders(context["record"], [str(r) for r in SERVICE_ROLES])
        context["role_holders"] = [
            {"label": role_label(role), "people": people} for role, people in holders.items()
        ]
        context["can_see_people"] = not permissions.is_customer_side(self.actor)
        if permissions.has(self.actor, "service_level.agreement.view"):
            compliance = service_compliance(self.actor, context["record"])
            context.update(compliance_context(compliance), per_agreement=True)
            context["compliance_empty_text"] = "No active SLA with response or resolution targets."
        return context


class ServiceCreateView(ServiceFormView):
    permission = "service_level.service.create"
    form_class = ServiceForm
    cancel_url = reverse_lazy("service_level:service-list")
    title = "New service"
    submit_label = "Register service"
    success_message = "Service registered."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return svc.service_create(
            actor=self.actor,
            name=data["name"],
            description=data.get("description") or "",
            owner=data.get("owner"),
            provider=data.get("provider"),
            service_hours=data.get("service_hours"),
            supporting_services=list(data.get("supporting_services") or []),
        )


class ServiceEditView(RecordActionFormView):
    permission = "service_level.service.change"
    form_class = ServiceForm
    success_message = "Service saved."
    query_one = queries.service_for
    title_format = "Edit {obj.name}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"service": self.get_object()}

    def get_initial(self) -> dict[str, Any]:
        service = self.get_object()
        return {
            "name": service.name,
            "description": service.description,
            "owner": service.owner_id,
            "provider": service.provider_id,
            "service_hours": service.service_hours_id,
            "supporting_services": list(service.supporting_services.values_list("pk", flat=True)),
        }

    def perform(self, form: forms.Form) -> Any:
        data = {name: form.cleaned_data.get(name) for name in SERVICE_FIELDS}
        data["description"] = data["description"] or ""
        data["supporting_services"] = list(form.cleaned_data.get("supporting_services") or [])
        return self.update_record(form, svc.service_update, "service_id", data=data)


# --- Outages -------------------------------------------------------------------------------------


class OutageListView(RecordListView):
    """Periods services were down or degraded; the figures availability targets use."""

    permission = "service_level.service.view"
    title = "Outages"
    query = queries.outages_for
    filterset_class = OutageFilterSet
    default_sort = "-started_at"
    create_url_name = "service_level:outage-create"
    create_permission = "service_level.outage.change"
    create_label = "Record outage"
    columns = (
        Column(
            "service",
            "Service",
            value="service.name",
            sort="service__name",
            url=lambda o: o.service.get_absolute_url(),
        ),
        Column("started_at", "Started", sort="started_at", classes="nowrap"),
        Column("ended_at", "Ended", sort="ended_at", classes="nowrap"),
        Column("duration", "Duration", value=_duration, classes="nowrap"),
        Column("degraded", "Degraded", sort="degraded", classes="narrow"),
        Column("planned", "Planned", sort="planned", classes="narrow"),
        Column("source_reference", "Source", sort="source_reference", classes="nowrap"),
        Column("description", "Description", classes="hide-sm"),
    )

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("service")


class OutageCreateView(ServiceFormView):
    permission = "service_level.outage.change"
    form_class = OutageForm
    cancel_url = reverse_lazy("service_level:outage-list")
    title = "Record an outage"
    submit_label = "Record outage"
    success_message = "Outage recorded."

    def get_initial(self) -> dict[str, Any]:
        service = parse_id(self.request.GET.get("service"))
        return {"service": service} if service is not None else {}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        svc_outage_record(
            actor=self.actor,
            service_id=data["service"].pk,
            started_at=data["started_at"],
            ended_at=data.get("ended_at"),
            degraded=bool(data.get("degraded")),
            planned=bool(data.get("planned")),
            description=data.get("description") or "",
            source_reference=data.get("source_reference") or "",
        )
        return data["service"].get_absolute_url()


urlpatterns = [
    path("services/", ServiceListView.as_view(), name="service-list"),
    path("services/new/", ServiceCreateView.as_view(), name="service-create"),
    path("services/<int:pk>/", ServiceDetailView.as_view(), name="service-detail"),
    path("services/<int:pk>/edit/", ServiceEditView.as_view(), name="service-edit"),
    *action_urls(SERVICE),
    path("outages/", OutageListView.as_view(), name="outage-list"),
    path("outages/new/", OutageCreateView.as_view(), name="outage-create"),
]
