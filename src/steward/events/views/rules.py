"""Pages of event types, CI match rules and correlation rules (seed 003 ch. 6 proc. 1, 2):
lists, record pages, forms. A CI match rule's page has a "try it": a value typed in shows
the CIs the rule would find for it (``queries.rules.match_preview``). Correlation rules
are one per fixed kind (made by ``steward init``): edited, never added or removed."""

from typing import Any

from django.urls import path, reverse, reverse_lazy
from django.utils import timezone

from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    ServicePostView,
)
from steward.events.filters.rules import (
    CiMatchRuleFilterSet,
    CorrelationRuleFilterSet,
    EventTypeFilterSet,
)
from steward.events.forms.rules import (
    CorrelationRuleForm,
    EventTypeEditForm,
    EventTypeForm,
    MatchRuleEditForm,
    MatchRuleForm,
    MatchTryForm,
    correlation_rule_initial,
    event_type_initial,
    match_rule_initial,
)
from steward.events.models import CiMatchRule, CorrelationRule, EventType
from steward.events.queries import rules as queries
from steward.events.services import rules as svc
from steward.events.services.sources import MANAGE, VIEW


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# --- Event types ----------------------------------------------------------------------


class EventTypeListView(RecordListView):
    permission = VIEW
    title = "Event types"
    query = queries.event_types_for
    filterset_class = EventTypeFilterSet
    default_sort = "code"
    create_url_name = "events:type-create"
    create_permission = MANAGE
    create_label = "New event type"
    primary_filters = ("q", "category", "instructions")
    columns = (
        Column("code", "Code", sort="code", link=True),
        Column("name", "Name", sort="name"),
        Column("category", "Category", value="get_category_display", sort="category"),
        Column("instructions", "Handling instructions",
               value=lambda t: "Given" if t.handling_instructions else "Missing"),
        Column("active", "In use", value=lambda t: _yes(t.is_active), sort="is_active"),
    )  # fmt: skip


class EventTypeDetailView(RecordDetailView):
    permission = VIEW
    template_name = "events/type_detail.html"
    query_one = queries.event_type_for
    list_url_name = "events:type-list"
    kind_label = "Event type"
    note_permission = VIEW

    def get_title(self, obj: EventType) -> str:
        return obj.name

    def get_fields(self, obj: EventType) -> list[Field]:
        return [
            Field("Code", obj.code),
            Field("Category", obj.get_category_display()),
            Field("In use", _yes(obj.is_active)),
        ]

    def get_actions(self, obj: EventType) -> list[Any]:
        return [Action("Edit", reverse("events:type-edit", args=[obj.pk]), MANAGE)]


class EventTypeCreateView(ServiceFormView):
    permission = MANAGE
    form_class = EventTypeForm
    title = "New event type"
    submit_label = "Create"
    success_message = "Event type created."
    cancel_url = reverse_lazy("events:type-list")
    service = staticmethod(svc.event_type_create)
    service_fields = ("code", "name", "category", "handling_instructions", "is_active")


class EventTypeEditView(RecordEditView):
    permission = MANAGE
    query_one = queries.event_type_for
    form_class = EventTypeEditForm
    title_format = "Edit {obj.code}"
    success_message = "Event type saved."
    service = staticmethod(svc.event_type_update)
    record_arg = "event_type_id"
    service_fields = ("code", "name", "category", "handling_instructions", "is_active")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return event_type_initial(self.get_object())


# --- CI match rules -------------------------------------------------------------------


class MatchRuleListView(RecordListView):
    permission = VIEW
    title = "CI match rules"
    query = queries.match_rules_for
    filterset_class = CiMatchRuleFilterSet
    default_sort = "order"
    create_url_name = "events:match-rule-create"
    create_permission = MANAGE
    create_label = "New match rule"
    primary_filters = ("q", "match_on", "is_active")
    columns = (
        Column("order", "Order", sort=("order", "pk"), classes="num"),
        Column("name", "Name", sort="name", link=True),
        Column("source", "Source", value=lambda r: r.source.name if r.source else "All sources"),
        Column("field", "Event field", value="event_field"),
        Column("match_on", "Match on", value=lambda r: r.get_match_on_display()
               + (f": {r.ci_attribute}" if r.ci_attribute else "")),
        Column("active", "In use", value=lambda r: _yes(r.is_active), sort="is_active"),
    )  # fmt: skip


class MatchRuleDetailView(RecordDetailView):
    permission = VIEW
    template_name = "events/match_rule_detail.html"
    query_one = queries.match_rule_for
    list_url_name = "events:match-rule-list"
    kind_label = "CI match rule"
    note_permission = VIEW

    def get_title(self, obj: CiMatchRule) -> str:
        return obj.name

    def get_fields(self, obj: CiMatchRule) -> list[Field]:
        return [
            Field("Order", obj.order),
            Field(
                "Source",
                obj.source.name if obj.source else "All sources",
                url=obj.source.get_absolute_url() if obj.source else "",
            ),
            Field("Event field", obj.event_field),
            Field("Match on", obj.get_match_on_display()),
            Field("CI attribute", obj.ci_attribute or None),
            Field("Strip the port", _yes(obj.strip_port)),
            Field("Strip the domain", _yes(obj.strip_domain)),
            Field("In use", _yes(obj.is_active)),
        ]

    def get_actions(self, obj: CiMatchRule) -> list[Any]:
        return [
            Action("Edit", reverse("events:match-rule-edit", args=[obj.pk]), MANAGE),
            Action("Remove", reverse("events:match-rule-delete", args=[obj.pk]), MANAGE,
                   method="post", style="danger", confirm=f"Remove the rule “{obj.name}”?"),
        ]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = MatchTryForm(self.request.GET or None)
        context["try_form"] = form
        if form.is_bound and form.is_valid():
            context["preview"] = queries.match_preview(
                context["record"], form.cleaned_data["value"]
            )
        return context


_MATCH_FIELDS = ("order", "name", "is_active", "source", "event_field", "match_on",
                 "ci_attribute", "strip_port", "strip_domain")  # fmt: skip


class MatchRuleCreateView(ServiceFormView):
    permission = MANAGE
    form_class = MatchRuleForm
    title = "New CI match rule"
    submit_label = "Create"
    success_message = "CI match rule created."
    cancel_url = reverse_lazy("events:match-rule-list")

    def perform(self, form: MatchRuleForm) -> Any:
        return svc.match_rule_create(actor=self.actor, **form.service_data())


class MatchRuleEditView(RecordEditView):
    permission = MANAGE
    query_one = queries.match_rule_for
    form_class = MatchRuleEditForm
    title_format = "Edit {obj.name}"
    success_message = "CI match rule saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return match_rule_initial(self.get_object())

    def perform(self, form: MatchRuleEditForm) -> Any:
        return self.update_record(form, svc.match_rule_update, "rule_id", data=form.service_data())


class MatchRuleDeleteView(ServicePostView):
    permission = MANAGE
    success_url = reverse_lazy("events:match-rule-list")

    def perform(self, pk: Any) -> str:
        rule = queries.match_rule_for(self.actor, pk)
        svc.match_rule_delete(actor=self.actor, rule_id=rule.pk)
        return f"CI match rule “{rule.name}” removed."


# --- Correlation rules ----------------------------------------------------------------


class CorrelationRuleListView(RecordListView):
    permission = VIEW
    title = "Correlation rules"
    query = queries.correlation_rules_for
    filterset_class = CorrelationRuleFilterSet
    default_sort = "order"
    primary_filters = ("q", "is_active")
    columns = (
        Column("order", "Order", sort=("order", "pk"), classes="num"),
        Column("name", "Name", sort="name", link=True),
        Column("kind", "Kind", value="get_kind_display", sort="kind"),
        Column("active", "Switched on", value=lambda r: _yes(r.is_active), sort="is_active"),
        Column("window", "Window (min)", value="window_minutes", sort="window_minutes",
               classes="num"),
        Column("fired", "Fired", value="fired_count", sort="fired_count", classes="num"),
        Column("last_fired", "Last fired", value=lambda r: _when(r.last_fired_at) or "Never",
               sort="last_fired_at", classes="nowrap"),
    )  # fmt: skip


class CorrelationRuleDetailView(RecordDetailView):
    permission = VIEW
    query_one = queries.correlation_rule_for
    list_url_name = "events:correlation-rule-list"
    kind_label = "Correlation rule"
    note_permission = VIEW

    def get_title(self, obj: CorrelationRule) -> str:
        return obj.name

    def get_fields(self, obj: CorrelationRule) -> list[Field]:
        return [
            Field("Kind", obj.get_kind_display()),
            Field("Applied in order", obj.order),
            Field("Switched on", _yes(obj.is_active)),
            Field("Window", f"{obj.window_minutes} minutes"),
            Field("Fired", f"{obj.fired_count:,} times"),
            Field("Last fired", _when(obj.last_fired_at) or "Never"),
        ]

    def get_actions(self, obj: CorrelationRule) -> list[Any]:
        return [Action("Edit", reverse("events:correlation-rule-edit", args=[obj.pk]), MANAGE)]


class CorrelationRuleEditView(RecordEditView):
    permission = MANAGE
    query_one = queries.correlation_rule_for
    form_class = CorrelationRuleForm
    title_format = "Edit {obj.name}"
    success_message = "Correlation rule saved."
    service = staticmethod(svc.correlation_rule_update)
    record_arg = "rule_id"
    service_fields = ("name", "is_active", "window_minutes")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return correlation_rule_initial(self.get_object())


urlpatterns = [
    path("events/types/", EventTypeListView.as_view(), name="type-list"),
    path("events/types/new/", EventTypeCreateView.as_view(), name="type-create"),
    path("events/types/<int:pk>/", EventTypeDetailView.as_view(), name="type-detail"),
    path("events/types/<int:pk>/edit/", EventTypeEditView.as_view(), name="type-edit"),
    path("events/match-rules/", MatchRuleListView.as_view(), name="match-rule-list"),
    path("events/match-rules/new/", MatchRuleCreateView.as_view(), name="match-rule-create"),
    path("events/match-rules/<int:pk>/", MatchRuleDetailView.as_view(), name="match-rule-detail"),
    path("events/match-rules/<int:pk>/edit/", MatchRuleEditView.as_view(), name="match-rule-edit"),
    path("events/match-rules/<int:pk>/delete/", MatchRuleDeleteView.as_view(),
         name="match-rule-delete"),
    path("events/correlation-rules/", CorrelationRuleListView.as_view(),
         name="correlation-rule-list"),
    path("events/correlation-rules/<int:pk>/", CorrelationRuleDetailView.as_view(),
         name="correlation-rule-detail"),
    path("events/correlation-rules/<int:pk>/edit/", CorrelationRuleEditView.as_view(),
         name="correlation-rule-edit"),
]  # fmt: skip
