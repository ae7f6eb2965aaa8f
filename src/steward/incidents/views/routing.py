"""Administration of what routes and prioritises requests (seed 003 ch. 8, procedures 1
and 2): the routing rules (list, add, change, disable, remove), the categories (two
levels; add, rename, move, disable) and the priority matrix as an editable impact x
urgency grid. Every write goes through ``services/routing.py``; the pages are for
whoever holds ``incidents.routing.change`` (system administrators, operations managers)."""

from typing import Any

from django import forms
from django.urls import path, reverse, reverse_lazy
from django.views.generic import TemplateView

from steward.core.views.patterns import RecordEditView, ServiceFormView, StewardPageMixin
from steward.core.views.patterns.posts import ServicePostView
from steward.incidents.choices import Impact, ServiceType, Urgency
from steward.incidents.forms import CategoryForm, PriorityMatrixForm, RoutingRuleForm
from steward.incidents.models import RoutingRule
from steward.incidents.queries import routing as queries
from steward.incidents.services import routing as svc

ROUTING = svc.ROUTING
RULES = reverse_lazy("incidents:routing-rule-list")
CATEGORIES = reverse_lazy("incidents:category-list")


def conditions(rule: RoutingRule) -> list[str]:
    """The rule's conditions in words ("Service: E-mail"); none: every request."""
    found = [
        f"{label}: {value}"
        for label, value in (
            ("Service", rule.service),
            ("CI class", rule.ci_class),
            ("Category", rule.category),
            ("Customer", rule.customer),
            ("Service type", ServiceType(rule.service_type).label if rule.service_type else ""),
            ("Keywords", rule.keywords),
        )
        if value
    ]
    return found or ["Every request"]


# --- Routing rules ----------------------------------------------------------------------------


class RoutingRuleListView(StewardPageMixin, TemplateView):
    """The rules in the order registration tries them."""

    permission = ROUTING
    template_name = "incidents/routing_rules.html"
    title = "Routing rules"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rules = queries.routing_rules_for(self.actor).order_by("order", "pk")
        return super().get_context_data(
            title=self.title,
            rules=[{"rule": rule, "conditions": conditions(rule)} for rule in rules],
            **kwargs,
        )


class RoutingRuleCreateView(ServiceFormView):
    permission = ROUTING
    form_class = RoutingRuleForm
    title = "New routing rule"
    submit_label = "Add rule"
    success_message = "Routing rule added."
    cancel_url = RULES

    def perform(self, form: forms.Form) -> str:
        svc.routing_rule_create(actor=self.actor, **form.data_for_service())
        return str(RULES)


class RoutingRuleEditView(RecordEditView):
    permission = ROUTING
    form_class = RoutingRuleForm
    query_one = queries.routing_rule_for
    success_message = "Routing rule saved."

    def get_cancel_url(self) -> str:
        return str(RULES)

    def perform(self, form: forms.Form) -> str:
        self.update_record(form, svc.routing_rule_update, "rule_id", data=form.data_for_service())
        return str(RULES)


class RoutingRuleToggleView(ServicePostView):
    """Disable an active rule or enable a disabled one."""

    permission = ROUTING
    success_url = RULES

    def perform(self, **url: Any) -> str:
        rule = queries.routing_rule_for(self.actor, url["pk"])
        svc.routing_rule_set_active(actor=self.actor, rule_id=rule.pk, active=not rule.is_active)
        return f"“{rule.name}” {'disabled' if rule.is_active else 'enabled'}."


class RoutingRuleDeleteView(ServicePostView):
    permission = ROUTING
    success_url = RULES

    def perform(self, **url: Any) -> str:
        rule = queries.routing_rule_for(self.actor, url["pk"])
        svc.routing_rule_delete(actor=self.actor, rule_id=rule.pk)
        return f"“{rule.name}” removed; requests it routed keep their group."


# --- Categories -------------------------------------------------------------------------------


class CategoryListView(StewardPageMixin, TemplateView):
    permission = ROUTING
    template_name = "incidents/categories.html"
    title = "Categories"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        everything = list(queries.categories_for(self.actor).order_by("name"))
        tops = [c for c in everything if c.parent_id is None]
        children: dict[int, list] = {}
        for category in everything:
            if category.parent_id is not None:
                children.setdefault(category.parent_id, []).append(category)
        tree = [{"category": top, "children": children.get(top.pk, [])} for top in tops]
        return super().get_context_data(title=self.title, tree=tree, **kwargs)


class CategoryCreateView(ServiceFormView):
    permission = ROUTING
    form_class = CategoryForm
    title = "New category"
    submit_label = "Add category"
    success_message = "Category added."
    cancel_url = CATEGORIES
    service = svc.category_create
    service_fields = ("name", "parent", "is_active")

    def perform(self, form: forms.Form) -> str:
        super().perform(form)
        return str(CATEGORIES)


class CategoryEditView(RecordEditView):
    permission = ROUTING
    form_class = CategoryForm
    query_one = queries.category_for
    success_message = "Category saved."

    def get_cancel_url(self) -> str:
        return str(CATEGORIES)

    def perform(self, form: forms.Form) -> str:
        data = {f: form.cleaned_data[f] for f in ("name", "parent", "is_active")}
        self.update_record(form, svc.category_update, "category_id", data=data)
        return str(CATEGORIES)


class CategoryToggleView(ServicePostView):
    permission = ROUTING
    success_url = CATEGORIES

    def perform(self, **url: Any) -> str:
        category = queries.category_for(self.actor, url["pk"])
        svc.category_update(
            actor=self.actor, category_id=category.pk, data={"is_active": not category.is_active}
        )
        return f"“{category}” {'disabled' if category.is_active else 'enabled'}."


# --- The priority matrix ----------------------------------------------------------------------


class PriorityMatrixView(ServiceFormView):
    """The grid: impact down, urgency across, a priority in each cell."""

    permission = ROUTING
    form_class = PriorityMatrixForm
    template_name = "incidents/priority_matrix.html"
    title = "Priority matrix"
    submit_label = "Save matrix"
    success_message = "Priority matrix saved. New requests get these priorities."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"matrix": svc.priority_matrix()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(urgencies=Urgency.choices, impacts=Impact.choices, **kwargs)

    def perform(self, form: forms.Form) -> str:
        svc.priority_matrix_set(actor=self.actor, cells=form.cells())
        return reverse("incidents:priority-matrix")


urlpatterns = [
    path("incidents/routing-rules/", RoutingRuleListView.as_view(), name="routing-rule-list"),
    path("incidents/routing-rules/new/", RoutingRuleCreateView.as_view(),
         name="routing-rule-create"),
    path("incidents/routing-rules/<int:pk>/edit/", RoutingRuleEditView.as_view(),
         name="routing-rule-edit"),
    path("incidents/routing-rules/<int:pk>/toggle/", RoutingRuleToggleView.as_view(),
         name="routing-rule-toggle"),
    path("incidents/routing-rules/<int:pk>/delete/", RoutingRuleDeleteView.as_view(),
         name="routing-rule-delete"),
    path("incidents/categories/", CategoryListView.as_view(), name="category-list"),
    path("incidents/categories/new/", CategoryCreateView.as_view(), name="category-create"),
    path("incidents/categories/<int:pk>/edit/", CategoryEditView.as_view(),
         name="category-edit"),
    path("incidents/categories/<int:pk>/toggle/", CategoryToggleView.as_view(),
         name="category-toggle"),
    path("incidents/priority-matrix/", PriorityMatrixView.as_view(), name="priority-matrix"),
]  # fmt: skip
