"""Pages: baselines of the CMDB. The list, one baseline with its CIs, taking a baseline
(of a service's infrastructure or of listed CIs) and comparing a baseline with another
one or with now (seed 003 ch. 4, procedure 4)."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.views.generic import TemplateView

from steward.configuration.choices import CIStatus
from steward.configuration.forms.baselines import BaselineForm, CompareForm
from steward.configuration.models import Baseline, BaselineItem
from steward.configuration.queries import baselines as queries
from steward.configuration.services import baselines as services
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.ids import parse_id
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    Related,
    ServiceFormView,
    StewardPageMixin,
)

VIEW = "configuration.ci.view"
# A baseline page lists at most this many of its CIs (the API gives them all).
ITEMS_SHOWN = 500


def ci_url(pk: int | None) -> str:
    """The CI's page; "" while that page does not exist (the CI pages are separate)."""
    if not pk:
        return ""
    try:
        return reverse("configuration:ci-detail", args=[pk])
    except NoReverseMatch:
        return ""


# --- List and record ---------------------------------------------------------------------


class BaselineListView(RecordListView):
    permission = VIEW
    title = "Baselines"
    query = queries.baselines_for
    default_sort = "-taken_at"
    create_url_name = "configuration:baseline-create"
    create_permission = services.TAKE
    create_label = "Take baseline"
    empty_text = "No baseline has been taken yet."
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("name", "Name", sort="name", link=True),
        Column(
            "service",
            "Service",
            value=lambda b: b.service.name if b.service_id else "",
            sort="service__name",
            url=lambda b: b.service.get_absolute_url() if b.service_id else "",
        ),
        Column("item_count", "CIs", sort="item_count", classes="num"),
        Column("taken_at", "Taken", sort="taken_at", classes="nowrap"),
        Column("taken_by", "Taken by", value=lambda b: b.taken_by.display_name, classes="hide-sm"),
    )


def _item_class(item: BaselineItem) -> str:
    return item.ci.ci_class.name


def _item_status(item: BaselineItem) -> str:
    value = (item.data or {}).get("status", "")
    return CIStatus(value).label if value in CIStatus.values else value


class BaselineDetailView(RecordDetailView):
    permission = VIEW
    query_one = queries.baseline_for
    list_url_name = "configuration:baseline-list"
    kind_label = "Baseline"

    def get_title(self, obj: Baseline) -> str:
        return obj.name

    def get_fields(self, obj: Baseline) -> list[Field]:
        return [
            Field(
                "Service",
                obj.service.name if obj.service_id else "Listed CIs",
                url=obj.service.get_absolute_url() if obj.service_id else "",
            ),
            Field("Taken", obj.taken_at),
            Field("Taken by", obj.taken_by.display_name),
            Field("CIs", obj.item_count),
            Field("Description", obj.description, wide=True),
        ]

    def get_related(self, obj: Baseline) -> list[Related]:
        items = list(queries.baseline_items_for(self.actor, obj)[:ITEMS_SHOWN])
        shown = f" (the first {ITEMS_SHOWN})" if obj.item_count > ITEMS_SHOWN else ""
        return [
            Related(
                f"CIs as they were{shown}",
                items,
                [
                    Column("number", "Number", value="ci.number", url=lambda i: ci_url(i.ci_id)),
                    Column(
                        "name",
                        "Name then",
                        value=lambda i: (i.data or {}).get("name", ""),
                        url=lambda i: ci_url(i.ci_id),
                    ),
                    Column("class", "Class", value=_item_class),
                    Column("status", "Status then", value=_item_status),
                    Column(
                        "attributes",
                        "Attributes",
                        value=lambda i: len((i.data or {}).get("attributes") or {}),
                        classes="num hide-sm",
                    ),
                    Column(
                        "relations",
                        "Relations",
                        value=lambda i: len((i.data or {}).get("relationships") or []),
                        classes="num hide-sm",
                    ),
                ],
                empty_text="This baseline holds no CIs.",
            )
        ]

    def get_actions(self, obj: Baseline) -> list[Action]:
        return [
            Action("Compare", reverse("configuration:baseline-compare", args=[obj.pk]), VIEW),
        ]


# --- Taking a baseline -------------------------------------------------------------------


class BaselineCreateView(ServiceFormView):
    permission = services.TAKE
    form_class = BaselineForm
    cancel_url = reverse_lazy("configuration:baseline-list")
    title = "Take a baseline"
    submit_label = "Take baseline"
    success_message = "Baseline taken."

    def get_initial(self) -> dict[str, Any]:
        wanted = parse_id(self.request.GET.get("service"))
        return {"service": wanted} if wanted is not None else {}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.baseline_take(
            actor=self.actor,
            name=data["name"],
            description=data.get("description") or "",
            service=data.get("service"),
            ci_ids=data.get("cis") or None,
        )


# --- Comparing ---------------------------------------------------------------------------


class BaselineCompareView(StewardPageMixin, TemplateView):
    """Baseline against another baseline (``?with=<id>``) or now (no ``with``)."""

    permission = VIEW
    template_name = "configuration/baseline_compare.html"

    def others(self, baseline: Baseline) -> QuerySet[Baseline]:
        return queries.baselines_for(self.actor).exclude(pk=baseline.pk).order_by("-taken_at")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        baseline = queries.baseline_for(self.actor, pk)
        choices = [(b.pk, f"{b.number} {b.name} ({b.taken_at:%Y-%m-%d %H:%M})")
                   for b in self.others(baseline)[:200]]  # fmt: skip
        raw = request.GET.get("with", "").strip()
        form = CompareForm({"other": raw}, choices=choices)
        other = None
        if raw:
            if parse_id(raw) is None:
                form.is_valid()
                form.add_error("other", "Choose another baseline or now.")
                return self.page(baseline, None, None, form, status=400)
            other = queries.baseline_for(self.actor, raw)
            if other.pk == baseline.pk:
                form.is_valid()
                form.add_error("other", "Choose another baseline than this one.")
                return self.page(baseline, None, None, form, status=400)
            if other.pk not in dict(choices):
                form.fields["other"].choices.append((other.pk, f"{other.number} {other.name}"))
        result = services.baseline_compare(baseline, other)
        for row in result["added"] + result["removed"] + result["changed"]:
            row["url"] = ci_url(row["id"])
        for key in ("relations_added", "relations_removed"):
            for rel in result[key]:
                rel["source_url"], rel["target_url"] = ci_url(rel["source"]), ci_url(rel["target"])
        return self.page(baseline, other, result, form)

    def page(
        self,
        baseline: Baseline,
        other: Baseline | None,
        result: dict[str, Any] | None,
        form: CompareForm,
        status: int = 200,
    ) -> HttpResponse:
        context = self.get_context_data(
            baseline=baseline,
            other=other,
            result=result,
            form=form,
            title=f"Compare {baseline.number} {baseline.name}",
            can_take=permissions.has(self.actor, services.TAKE),
        )
        return render(self.request, self.template_name, context, status=status)


urlpatterns = [
    *record_paths(
        "baselines",
        "baseline",
        list=BaselineListView,
        create=BaselineCreateView,
        detail=BaselineDetailView,
    ),
    path("baselines/<int:pk>/compare/", BaselineCompareView.as_view(), name="baseline-compare"),
]
