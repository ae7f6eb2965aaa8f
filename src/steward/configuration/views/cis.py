"""Pages of the CMDB itself (seed 003 ch. 4, procedures 3 and 4): the CI list, the CI
page (attributes, relationships, impact graph picture, history, the CI as it was at a
date), the CI forms, relationships, and the class catalogue."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.views import View

from steward.configuration.actions import CI
from steward.configuration.choices import CIStatus
from steward.configuration.filters.cis import CIFilterSet
from steward.configuration.forms.cis import (
    CI_FIELDS,
    AsOfForm,
    CIForm,
    ClassChoiceForm,
    RelationshipForm,
)
from steward.configuration.models import (
    CIChange,
    CIClass,
    ConfigurationItem,
    RelationshipRule,
    RelationshipType,
)
from steward.configuration.queries import cis as queries
from steward.configuration.queries import graph, impact
from steward.configuration.services import cis as svc
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.models import Person, SupportGroup
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    RecordObjectMixin,
    Related,
    ServiceFormView,
    StewardPageMixin,
    action_urls,
    header_buttons,
)
from steward.core.views.patterns.selects import lookup_choices
from steward.service_level.models import Service

VIEW = "configuration.ci.view"
CHANGE = "configuration.ci.change"
HISTORY_LIMIT = 200
IMPACT_LIST_LIMIT = 50

TONES.update({"in_production": "green", "in_stock": "blue", "ordered": "purple",
              "in_repair": "amber", "retired": "grey"})  # fmt: skip

FIELD_LABELS = {
    "name": "Name", "status": "Status", "owner": "Owner", "support_group": "Support group",
    "serial_number": "Serial number", "version": "Version", "location": "Location",
    "description": "Description", "service": "Business service",
    "last_verified_at": "Last verified",
}  # fmt: skip


class CIListView(RecordListView):
    permission = VIEW
    title = "Configuration items"
    query = queries.cis_for
    filterset_class = CIFilterSet
    default_sort = "name"
    create_url_name = "configuration:ci-create"
    create_permission = CHANGE
    create_label = "New CI"
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("name", "Name", sort="name", link=True),
        Column("ci_class", "Class", value="ci_class.name", sort=("ci_class__name",)),
        STATUS_COLUMN,
        Column(
            "support_group",
            "Support group",
            value="support_group.name",
            sort=("support_group__name",),
            classes="hide-sm",
        ),
        Column("serial_number", "Serial number", sort="serial_number", classes="hide-sm"),
        Column("location", "Location", sort="location", classes="hide-sm"),
        Column("updated_at", "Updated", sort="updated_at", classes="nowrap hide-sm"),
    )


def _label_values(changes: list[CIChange]) -> dict[tuple[str, Any], str]:
    """Names for the record keys a history shows (owner 12 -> "Dana Desk"), in 3 queries."""
    wanted: dict[str, set[Any]] = {"owner": set(), "support_group": set(), "service": set()}
    for change in changes:
        if change.field in wanted:
            wanted[change.field].update(v for v in (change.old_value, change.new_value) if v)
    names: dict[tuple[str, Any], str] = {}
    for person in Person.objects.filter(pk__in=wanted["owner"]):
        names[("owner", person.pk)] = person.display_name
    for group in SupportGroup.objects.filter(pk__in=wanted["support_group"]):
        names[("support_group", group.pk)] = group.name
    for service in Service.objects.filter(pk__in=wanted["service"]):
        names[("service", service.pk)] = service.name
    return names


def _shown(field: str, value: Any, names: dict[tuple[str, Any], str]) -> str:
    if value in (None, ""):
        return "—"
    if field == "status":
        return str(dict(CIStatus.choices).get(value, value))
    if (field, value) in names:
        return names[(field, value)]
    if field == "last_verified_at" and isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _field_label(field: str, labels: dict[str, str]) -> str:
    if field.startswith("attributes."):
        key = field.removeprefix("attributes.")
        return labels.get(key, key)
    return FIELD_LABELS.get(field, field)


def history_rows(ci: ConfigurationItem, labels: dict[str, str]) -> list[dict[str, Any]]:
    changes = list(
        ci.changes.select_related("actor", "change").order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    names = _label_values(changes)
    return [
        {
            "at": change.at,
            "actor": change.actor.display_name if change.actor_id else "system",
            "field": _field_label(change.field, labels),
            "old": _shown(change.field, change.old_value, names),
            "new": _shown(change.field, change.new_value, names),
            "cause": change.cause,
            "change": change.change,
            "registration": change.old_value is None and change.at == ci.created_at,
        }
        for change in changes
    ]


def _relationship_rows(actor: Person, ci: ConfigurationItem) -> list[dict[str, Any]]:
    rows = []
    for rel in queries.relationships_of(actor, ci).select_related(
        "source__ci_class", "target__ci_class", "change"
    ):
        outgoing = rel.source_id == ci.pk
        other = rel.target if outgoing else rel.source
        rows.append(
            {
                "pk": rel.pk,
                "phrase": rel.type.name if outgoing else rel.type.reverse_name,
                "other": other,
                "since": rel.valid_from,
                "cause": rel.cause,
                "change": rel.change,
            }
        )
    rows.sort(key=lambda r: (r["phrase"], r["other"].name))
    return rows


def _as_of_view(ci: ConfigurationItem, at: dt.datetime, labels: dict[str, str]) -> dict[str, Any]:
    """The CI at ``at`` in display form: fields, attributes and the links then current."""
    state = svc.ci_as_of(ci, at)
    names: dict[tuple[str, Any], str] = {}
    fk = {f: state.get(f) for f in ("owner", "support_group", "service")}
    if fk["owner"]:
        person = Person.objects.filter(pk=fk["owner"]).first()
        names[("owner", fk["owner"])] = person.display_name if person else str(fk["owner"])
    if fk["support_group"]:
        group = SupportGroup.objects.filter(pk=fk["support_group"]).first()
        names[("support_group", fk["support_group"])] = group.name if group else ""
    if fk["service"]:
        service = Service.objects.filter(pk=fk["service"]).first()
        names[("service", fk["service"])] = service.name if service else ""
    today = svc.snapshot(ci)
    fields = [
        {"label": FIELD_LABELS[name], "value": _shown(name, state.get(name), names),
         "changed": state.get(name) != today.get(name)}
        for name in (*CI_FIELDS, "last_verified_at")
    ]  # fmt: skip
    order = {key: n for n, key in enumerate(labels)}  # the class's own order
    attributes = [
        {"label": labels.get(key, key), "value": _shown(key, value, {}),
         "changed": ci.attributes.get(key) != value}
        for key, value in sorted(
            state["attributes"].items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
        )
    ]  # fmt: skip
    ids = {r["source"] for r in state["relationships"]} | {
        r["target"] for r in state["relationships"]
    }
    others = {c.pk: c for c in ConfigurationItem.objects.filter(pk__in=ids)}
    types = {t.code: t for t in RelationshipType.objects.all()}
    links = []
    for rel in state["relationships"]:
        outgoing = rel["source"] == ci.pk
        rel_type = types.get(rel["type"])
        links.append(
            {
                "phrase": (rel_type.name if outgoing else rel_type.reverse_name)
                if rel_type
                else rel["type"],
                "other": others.get(rel["target"] if outgoing else rel["source"]),
                "ended": rel["valid_to"] is not None,
            }
        )
    return {"at": at, "fields": fields, "attributes": attributes, "links": links}


class CIDetailView(RecordDetailView):
    permission = VIEW
    template_name = "configuration/ci_detail.html"
    query_one = queries.ci_for
    status_field = "status"
    list_url_name = "configuration:ci-list"
    note_permission = CHANGE
    kind_label = "Configuration item"
    accepts_attachments = False

    def get_fields(self, obj: ConfigurationItem) -> list[Field]:
        return [
            Field("Class", obj.ci_class.name,
                  url=reverse("configuration:ci-class-detail", args=[obj.ci_class_id])),
            Field("Owner", obj.owner.display_name if obj.owner_id else None,
                  url=obj.owner.get_absolute_url() if obj.owner_id else ""),
            Field("Support group", obj.support_group.name if obj.support_group_id else None,
                  url=obj.support_group.get_absolute_url() if obj.support_group_id else ""),
            Field("Serial number", obj.serial_number),
            Field("Version", obj.version),
            Field("Location", obj.location),
            Field("Business service", obj.service.name if obj.service_id else None,
                  url=obj.service.get_absolute_url() if obj.service_id else ""),
            Field("Last verified", obj.last_verified_at),
            Field("Description", obj.description, wide=True),
        ]  # fmt: skip

    def get_actions(self, obj: ConfigurationItem) -> list[Action]:
        return [
            Action("Edit", reverse("configuration:ci-edit", args=[obj.pk]), CHANGE),
            Action("Add relationship",
                   reverse("configuration:ci-relationship-add", args=[obj.pk]), CHANGE),
            *header_buttons(CI, self.actor, obj),
        ]  # fmt: skip

    def get_related(self, obj: ConfigurationItem) -> list[Related]:
        contracts = getattr(obj, "contracts", None)
        if contracts is None or not permissions.has(self.actor, "configuration.contract.view"):
            return []
        return [
            Related(
                "Contracts and licence certificates",
                contracts.select_related("supplier").order_by("ends_on"),
                (
                    Column("number", "Number", link=True, classes="nowrap"),
                    Column("title", "Title", link=True),
                    Column("supplier", "Supplier", value="supplier.name"),
                    Column("ends_on", "Ends", classes="nowrap"),
                    Column("status", "Status", badge=True),
                ),
                empty_text="No contract covers this CI.",
            )
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ci = self.get_object()
        definitions = svc.definitions_for(ci.ci_class)
        labels = {d.key: d.label for d in definitions}
        known = [
            {"label": d.label, "value": ci.attributes.get(d.key), "mandatory": d.mandatory}
            for d in definitions
        ]
        known += [
            {"label": key, "value": value, "mandatory": False}
            for key, value in sorted(ci.attributes.items())
            if key not in labels
        ]
        summary = impact.impact_summary(ci)
        may_change = permissions.has(self.actor, CHANGE, ci)
        context.update(
            attributes=known,
            relationships=_relationship_rows(self.actor, ci),
            may_change=may_change,
            impact=summary,
            impact_limit=IMPACT_LIST_LIMIT,
            picture=graph.impact_picture(ci),
            node_w=graph.NODE_W,
            node_h=graph.NODE_H,
            runs_on_count=len(impact.supporting_ci_ids(ci.pk)),
            history=history_rows(ci, labels),
            history_limit=HISTORY_LIMIT,
        )
        context.update(self.as_of_context(ci, labels))
        return context

    def as_of_context(self, ci: ConfigurationItem, labels: dict[str, str]) -> dict[str, Any]:
        if "at" not in self.request.GET:
            return {"as_of_form": AsOfForm()}
        form = AsOfForm(self.request.GET)
        if not form.is_valid():
            return {"as_of_form": form}
        at = form.cleaned_data["at"]
        if at.time() == dt.time(0, 0) and len(self.request.GET["at"]) == 10:
            at = at.replace(hour=23, minute=59, second=59)  # a date means its end
        try:
            return {"as_of_form": form, "as_of": _as_of_view(ci, at, labels)}
        except ValueError as exc:
            form.add_error("at", str(exc))
            return {"as_of_form": form}


# --- Pages with forms ------------------------------------------------------------------------


class CICreateView(ServiceFormView):
    """Register a CI (procedure 3): first its class, then the class's form."""

    permission = CHANGE
    form_class = CIForm
    cancel_url = reverse_lazy("configuration:ci-list")
    template_name = "configuration/ci_form.html"
    title = "New configuration item"
    submit_label = "Register CI"
    success_message = "Configuration item registered."

    def ci_class(self) -> CIClass | None:
        if not hasattr(self, "_ci_class"):
            chooser = ClassChoiceForm(self.request.GET or None, actor=self.actor)
            self._ci_class = chooser.cleaned_data["ci_class"] if chooser.is_valid() else None
        return self._ci_class

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.ci_class() is None:
            chooser = ClassChoiceForm(request.GET or None, actor=self.actor)
            return render(
                request,
                "configuration/ci_class_choice.html",
                {
                    "form": chooser,
                    "title": self.title,
                    "submit_label": "Next",
                    "cancel_url": self.get_cancel_url(),
                },
                status=400 if request.GET else 200,
            )
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.ci_class() is None:
            return HttpResponseRedirect(reverse("configuration:ci-create"))
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"ci_class": self.ci_class()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["ci_class"] = self.ci_class()
        return context

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return svc.ci_create(
            actor=self.actor,
            ci_class=self.ci_class(),
            cause=data.get("cause") or "",
            change_id=_change_id(data),
            attributes={k: v for k, v in form.attributes().items() if v is not None},
            **{name: data.get(name) or ("" if name not in FK else None) for name in CI_FIELDS},
        )


FK = {"owner", "support_group", "service"}


def _change_id(data: dict[str, Any]) -> int | None:
    """The id of the change the form named (``ChangeCleaned``), if any."""
    change = data.get("change")
    return change.pk if change is not None else None


class CIEditView(RecordObjectMixin, ServiceFormView):
    """Update a CI (procedure 4) after checking the real configuration."""

    permission = CHANGE
    form_class = CIForm
    template_name = "configuration/ci_form.html"
    submit_label = "Save changes"
    success_message = "Changes saved."
    title_format = "Edit {obj}"

    def get_object(self) -> ConfigurationItem:
        if not hasattr(self, "_object"):
            # The right on this CI, before the form is shown.
            self._object = queries.ci_for(self.actor, self.kwargs["pk"])
            permissions.require(self.actor, CHANGE, self._object)
        return self._object

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"ci_class": self.get_object().ci_class}

    def get_initial(self) -> dict[str, Any]:
        ci = self.get_object()
        initial = {name: getattr(ci, f"{name}_id" if name in FK else name) for name in CI_FIELDS}
        initial.update({f"attr__{k}": v for k, v in ci.attributes.items()})
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["ci_class"] = self.get_object().ci_class
        return context

    def get_cancel_url(self) -> str:
        return self.get_object().get_absolute_url()

    def versioned_object(self) -> ConfigurationItem:
        return self.get_object()

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        changes: dict[str, Any] = {
            name: data.get(name) if name in FK else (data.get(name) or "") for name in CI_FIELDS
        }
        changes["attributes"] = form.attributes()
        return self.update_record(
            form,
            svc.ci_update,
            "ci_id",
            data=changes,
            cause=data.get("cause") or "",
            change_id=_change_id(data),
        )


class RelationshipAddView(RecordObjectMixin, ServiceFormView):
    permission = CHANGE
    form_class = RelationshipForm
    submit_label = "Add relationship"
    success_message = "Relationship added."

    query_one = queries.ci_for

    title_format = "Relate {obj}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"ci": self.get_object()}

    def get_cancel_url(self) -> str:
        return self.get_object().get_absolute_url()

    def perform(self, form: forms.Form) -> Any:
        ci, data = self.get_object(), form.cleaned_data
        other: ConfigurationItem = data["other"]
        source, target = (ci, other) if data["direction"] == "out" else (other, ci)
        svc.relationship_add(
            actor=self.actor,
            source_id=source.pk,
            target_id=target.pk,
            type_id=data["type"].pk,
            cause=data.get("cause") or "",
            change_id=_change_id(data),
        )
        return ci.get_absolute_url() + "#relationships"


# --- Classes ------------------------------------------------------------------------------------


class CIClassListView(RecordListView):
    permission = VIEW
    title = "CI classes"
    query = queries.ci_classes_for
    default_sort = "name"
    columns = (
        Column("name", "Name", sort="name", link=True),
        Column("code", "Code", sort="code"),
        Column("category", "Category", sort="category"),
        Column("parent", "Inherits from", value="parent.name", sort=("parent__name",)),
        Column("item_count", "CIs", sort="item_count", classes="num narrow"),
        Column("attribute_count", "Attributes", sort="attribute_count", classes="num narrow"),
    )

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .annotate(
                item_count=Count("items", filter=~Q(items__status="retired"), distinct=True),
                attribute_count=Count("attribute_definitions", distinct=True),
            )
        )


class CIClassDetailView(RecordDetailView):
    permission = VIEW
    template_name = "configuration/ci_class_detail.html"
    query_one = queries.ci_class_for
    list_url_name = "configuration:ci-class-list"
    kind_label = "CI class"

    def get_fields(self, obj: CIClass) -> list[Field]:
        return [
            Field("Code", obj.code),
            Field("Category", obj.get_category_display()),
            Field("Inherits from", obj.parent.name if obj.parent_id else None,
                  url=reverse("configuration:ci-class-detail", args=[obj.parent_id])
                  if obj.parent_id else ""),
            Field("Active", obj.is_active),
            Field("Description", obj.description, wide=True),
        ]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ci_class = self.get_object()
        context.update(
            definitions=[
                {"definition": d, "inherited": d.ci_class_id != ci_class.pk}
                for d in svc.definitions_for(ci_class)
            ],
            rules=RelationshipRule.objects.filter(
                Q(source_class=ci_class) | Q(target_class=ci_class)
            ).select_related("type", "source_class", "target_class"),
            item_count=ci_class.items.exclude(status="retired").count(),
            items_url=reverse("configuration:ci-list") + f"?ci_class={ci_class.pk}",
        )
        return context


class CILookupView(StewardPageMixin, View):
    """htmx: the CIs matching what was typed into a CI chooser (``selects.LookupInput``)."""

    permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "").strip()[:100]
        found = list(queries.ci_matches(self.actor, text)[:12]) if len(text) >= 2 else []
        return HttpResponse(lookup_choices([(ci.pk, queries.ci_label(ci)) for ci in found], text))


urlpatterns = [
    path("cis/lookup/", CILookupView.as_view(), name="ci-lookup"),
    *record_paths(
        "cis", "ci", list=CIListView, create=CICreateView, detail=CIDetailView, edit=CIEditView
    ),
    *action_urls(CI),
    path(
        "cis/<int:pk>/relationships/new/",
        RelationshipAddView.as_view(),
        name="ci-relationship-add",
    ),
    *record_paths("ci-classes", "ci-class", list=CIClassListView, detail=CIClassDetailView),
]
