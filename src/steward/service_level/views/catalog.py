"""The service catalog: the web catalog customers browse, and the administrator's catalog
items with their approval rounds (seed 003 ch. 11 proc. 1 and 4)."""

from itertools import groupby
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.views import View

from steward.core import permissions
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
    StewardPageMixin,
    action_urls,
    header_buttons,
)
from steward.service_level import queries
from steward.service_level.actions import CATALOG_ITEM
from steward.service_level.choices import (
    ApprovalDecision,
    CatalogItemStatus,
)
from steward.service_level.filters import CatalogItemFilterSet
from steward.service_level.forms import (
    CatalogItemForm,
    DecisionForm,
)
from steward.service_level.models import (
    CatalogApproval,
    CatalogItem,
    RequestType,
    ServiceLevelTarget,
)
from steward.service_level.queries.request_types import (
    request_types_for,
    subscribed_service_ids,
)
from steward.service_level.services import catalog as svc
from steward.service_level.views.common import (
    charge_words,
    promise_order,
    target_sentence,
    targets_context,
)

C = CatalogItemStatus
ITEM_FIELDS = (
    "name",
    "summary",
    "description",
    "category",
    "visibility",
    "customer",
    "target_customers",
    "charge",
    "charge_unit",
    "request_instructions",
)


def _targets_prefetch() -> Prefetch:
    return Prefetch(
        "targets", queryset=ServiceLevelTarget.objects.order_by("kind", "priority", "pk")
    )


# --- The web catalog (customers and everyone) ---------------------------------------------------


class CatalogView(StewardPageMixin, View):
    """Published items as cards, grouped by category, with a search box and category chips."""

    permission = "service_level.catalog.view"
    template_name = "service_level/catalog.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "").strip()[:200]
        category = request.GET.get("category", "").strip()[:100]
        everything = queries.published_catalog_for(self.actor)
        items = everything.select_related("service", "customer").prefetch_related(
            _targets_prefetch()
        )
        for word in text.split():
            items = items.filter(
                Q(name__icontains=word)
                | Q(summary__icontains=word)
                | Q(description__icontains=word)
                | Q(category__icontains=word)
                | Q(service__name__icontains=word)
                | Q(number__iexact=word)
            )
        if category:
            items = items.filter(category=category)
        items = list(items.order_by("category", "name", "pk"))
        offers = _offers(self.actor, [i.pk for i in items])
        has = subscribed_service_ids(self.actor)
        groups = [
            {"title": key or "Other services", "items": [_card(i, offers, has) for i in group]}
            for key, group in groupby(items, key=lambda i: i.category)
        ]
        categories = sorted({c for c in everything.values_list("category", flat=True) if c})
        context = {
            "title": "Service catalog",
            "groups": groups,
            "count": len(items),
            "query": text,
            "category": category,
            "categories": categories,
            "can_manage": permissions.has(self.actor, "service_level.catalog.change"),
        }
        template = (
            "service_level/partials/catalog_results.html"
            if getattr(request, "htmx", False) and not request.htmx.history_restore_request
            else self.template_name
        )
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response


def request_url(request_type: RequestType) -> str:
    """The portal's form of a request type (Incident Management's page), if installed."""
    try:
        return reverse("incidents:portal-request", args=[request_type.pk])
    except NoReverseMatch:
        return ""


def _offers(actor: Any, item_ids: list[int]) -> dict[int, list[RequestType]]:
    """The active request types of these items, by item (issue 13)."""
    offers: dict[int, list[RequestType]] = {}
    for request_type in request_types_for(actor).filter(catalog_item_id__in=item_ids):
        request_type.url = request_url(request_type)  # type: ignore[attr-defined]
        offers.setdefault(request_type.catalog_item_id, []).append(request_type)
    return offers


def _card(
    item: CatalogItem, offers: dict[int, list[RequestType]], has: set[int] | None
) -> dict[str, Any]:
    """What a card shows: the headline promises, not every target; for customer people
    whether their organisation has the service, and then what they may ask for."""
    targets = promise_order(list(item.targets.all()))
    # Headline: the critical-incident promises and availability.
    headline = [t for t in targets if t.priority in ("", "1")][:3]
    theirs = has is not None and item.service_id in has
    return {
        "item": item,
        "promises": [target_sentence(t) for t in headline],
        "more": max(len(targets) - len(headline), 0),
        "charge": charge_words(item),
        "theirs": theirs,
        "customer_side": has is not None,
        "request_types": offers.get(item.pk, []) if has is None or theirs else [],
    }


class CatalogEntryView(StewardPageMixin, View):
    """One published item as the customer sees it (404 for items the actor may not see)."""

    permission = "service_level.catalog.view"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        qs = (
            queries.published_catalog_for(self.actor)
            .select_related("service__service_hours", "customer")
            .prefetch_related(_targets_prefetch(), "service__service_hours__periods")
        )
        item = qs.filter(pk=pk).first()
        if item is None:
            raise Http404("No such catalog item.")
        calendar = item.service.service_hours
        targets = promise_order(list(item.targets.all()))
        has = subscribed_service_ids(self.actor)
        theirs = has is None or item.service_id in has
        return render(
            request,
            "service_level/catalog_item.html",
            {
                "title": item.name,
                "item": item,
                "hours": hours_summary(calendar) if calendar else "",
                "calendar": calendar,
                "promises": [target_sentence(t) for t in targets],
                "charge": charge_words(item),
                "can_manage": permissions.has(self.actor, "service_level.catalog.change", item),
                "can_subscribe": permissions.has(self.actor, "service_level.agreement.change"),
                "customer_side": has is not None,
                "theirs": theirs,
                "request_types": _offers(self.actor, [item.pk]).get(item.pk, []) if theirs else [],
                "can_manage_types": permissions.has(
                    self.actor, "service_level.request_type.change"
                ),
            },
        )


# --- The administrator's catalog items -------------------------------------------------------------


class ProviderOnlyMixin:
    """Drafts, approval rounds and failures are the provider's business."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and permissions.is_customer_side(request.user):
            raise PermissionDenied("The catalog's working records are for the provider.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class CatalogItemListView(ProviderOnlyMixin, RecordListView):
    permission = "service_level.catalog.view"
    title = "Catalog items"
    query = queries.catalog_items_for
    filterset_class = CatalogItemFilterSet
    default_sort = "name"
    create_url_name = "service_level:catalog-item-create"
    create_permission = "service_level.catalog.change"
    create_label = "New catalog item"
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("name", "Name", sort="name", link=True),
        Column("service", "Service", value="service.name", sort="service__name"),
        Column("category", "Category", sort="category", classes="hide-sm"),
        Column(
            "visibility", "Visibility", value=lambda i: "Private" if i.customer_id else "Public"
        ),
        Column("customer", "For customer", value="customer.name", classes="hide-sm"),
        STATUS_COLUMN,
        Column("charge", "Charge", value=charge_words, sort="charge", classes="hide-sm"),
    )

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("service", "customer")


class CatalogItemDetailView(ProviderOnlyMixin, RecordDetailView):
    permission = "service_level.catalog.view"
    template_name = "service_level/catalog_item_detail.html"
    query_one = queries.catalog_item_for
    status_field = "status"
    list_url_name = "service_level:catalog-item-list"
    note_permission = "service_level.catalog.change"
    kind_label = "Catalog item"

    def get_fields(self, obj: CatalogItem) -> list[Field]:
        return [
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Category", obj.category),
            Field("Visibility", "Private (one-off)" if obj.customer_id else "Public"),
            Field("For customer", obj.customer.name if obj.customer_id else None),
            Field("Prepared for", ", ".join(o.name for o in obj.target_customers.all()) or None),
            Field("Charge", charge_words(obj)),
            Field("Template", obj.template.name if obj.template_id else None),
            Field(
                "Copied from",
                obj.copied_from.number if obj.copied_from_id else None,
                url=obj.copied_from.get_absolute_url() if obj.copied_from_id else "",
            ),
            Field("Approval round", obj.approval_round or None),
            Field("Published", obj.published_at),
            Field("Discontinued", obj.discontinued_at),
            Field("Why it failed", obj.failure_reason, wide=True),
            Field("Summary", obj.summary, wide=True),
            Field("Description", obj.description, wide=True),
            Field("How to request", obj.request_instructions, wide=True),
        ]

    def get_related(self, obj: CatalogItem) -> list[Related]:
        agreements = queries.agreements_for(self.actor).filter(catalog_item=obj)
        return [
            Related(
                "Agreements at this level",
                agreements.select_related("customer", "support_group", "supplier"),
                [
                    Column("number", "Number", link=True),
                    Column("name", "Name"),
                    Column("party", "Party", value=_party),
                    Column("status", "Status", badge=True, value="status"),
                ],
                empty_text="No agreement uses this item yet.",
            )
        ]

    def get_actions(self, obj: CatalogItem) -> list[Action]:
        url = lambda name: reverse(f"service_level:catalog-item-{name}", args=[obj.pk])  # noqa: E731
        change = "service_level.catalog.change"
        actions: list[Action] = []
        if obj.status == C.PUBLISHED:
            actions.append(
                Action("View in catalog", reverse("service_level:catalog-entry", args=[obj.pk]))
            )
        if obj.status == C.DRAFT:
            actions.append(Action("Edit", url("edit"), change))
        actions.append(
            Action(
                "Request types",
                reverse("service_level:request-type-list", args=[obj.pk]),
                "service_level.request_type.change",
            )
        )
        actions += header_buttons(CATALOG_ITEM, self.actor, obj)
        if obj.status == C.PUBLISHED:
            actions.append(
                Action(
                    "New agreement at this level",
                    reverse("service_level:agreement-create") + f"?catalog_item={obj.pk}",
                    "service_level.agreement.change",
                )
            )
        actions.append(
            Action(
                "Copy", reverse("service_level:catalog-item-create") + f"?copy_of={obj.pk}", change
            )
        )
        return actions

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        item = context["record"]
        approvals = list(
            CatalogApproval.objects.filter(catalog_item=item)
            .select_related("approver", "for_customer")
            .order_by("-round", "role", "pk")
        )
        rounds = [
            {"number": number, "approvals": list(group), "current": number == item.approval_round}
            for number, group in groupby(approvals, key=lambda a: a.round)
        ]
        mine = [
            a
            for a in approvals
            if a.round == item.approval_round
            and a.approver_id == self.actor.pk
            and a.decision == ApprovalDecision.PENDING
        ]
        can_decide = bool(mine) and item.status == C.IN_APPROVAL
        context.update(
            rounds=rounds,
            decide_form=self.failed_form("decide", kwargs)
            or (DecisionForm(actor=self.actor) if can_decide else None),
            my_slot=mine[0] if mine else None,
            **targets_context(self, CATALOG_ITEM, item, kwargs),
        )
        return context


def _party(agreement: Any) -> str:
    party = agreement.customer or agreement.support_group or agreement.supplier
    return str(party) if party else ""


class CatalogItemCreateView(ServiceFormView):
    permission = "service_level.catalog.change"
    form_class = CatalogItemForm
    cancel_url = reverse_lazy("service_level:catalog-item-list")
    title = "New catalog item"
    submit_label = "Prepare item"
    success_message = "Catalog item prepared as a draft."

    def get_initial(self) -> dict[str, Any]:
        source = parse_id(self.request.GET.get("copy_of"))
        if source is None:
            return {}
        original = queries.catalog_items_for(self.actor).filter(pk=source).first()
        if original is None:
            return {}
        return {
            "copy_of": original.pk,
            "service": original.service_id,
            "name": f"{original.name} (copy)",
            "summary": original.summary,
            "category": original.category,
            "visibility": original.visibility,
            "customer": original.customer_id,
            "charge": original.charge,
            "charge_unit": original.charge_unit,
            "description": original.description,
            "request_instructions": original.request_instructions,
        }

    def perform(self, form: CatalogItemForm) -> Any:
        data = form.cleaned_data
        return svc.catalog_item_create(
            actor=self.actor,
            service=data["service"],
            name=data["name"],
            template=data.get("template"),
            copy_of=data.get("copy_of"),
            visibility=data["visibility"],
            customer=data.get("customer"),
            target_customers=list(data.get("target_customers") or []),
            summary=data.get("summary") or "",
            description=data.get("description") or "",
            category=data.get("category") or "",
            charge=data.get("charge"),
            charge_unit=data.get("charge_unit") or "",
            request_instructions=data.get("request_instructions") or "",
        )


class CatalogItemEditView(RecordActionFormView):
    permission = "service_level.catalog.change"
    form_class = CatalogItemForm
    submit_label = "Save changes"
    success_message = "Catalog item saved."
    query_one = queries.catalog_item_for
    title_format = "Edit {obj.number} {obj.name}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def get_initial(self) -> dict[str, Any]:
        item = self.get_object()
        initial = {name: getattr(item, name) for name in ITEM_FIELDS if name != "target_customers"}
        initial["service"] = item.service_id
        initial["customer"] = item.customer_id
        initial["target_customers"] = list(item.target_customers.values_list("pk", flat=True))
        return initial

    def perform(self, form: CatalogItemForm) -> Any:
        data = {name: form.cleaned_data.get(name) for name in ITEM_FIELDS}
        data["service"] = form.cleaned_data["service"]
        data["target_customers"] = list(data["target_customers"] or [])
        for text in ("summary", "description", "category", "charge_unit", "request_instructions"):
            data[text] = data[text] or ""
        return self.update_record(form, svc.catalog_item_update, "item_id", data=data)


urlpatterns = [
    path("catalog/", CatalogView.as_view(), name="catalog"),
    path("catalog/<int:pk>/", CatalogEntryView.as_view(), name="catalog-entry"),
    path("catalog/items/", CatalogItemListView.as_view(), name="catalog-item-list"),
    path("catalog/items/new/", CatalogItemCreateView.as_view(), name="catalog-item-create"),
    path("catalog/items/<int:pk>/", CatalogItemDetailView.as_view(), name="catalog-item-detail"),
    path("catalog/items/<int:pk>/edit/", CatalogItemEditView.as_view(), name="catalog-item-edit"),
    *action_urls(CATALOG_ITEM, page=CatalogItemDetailView),
]
