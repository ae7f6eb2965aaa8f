"""Pages of purchase requisitions: CI Requisition (seed 003 ch. 4 proc. 1), up to the order;
the delivery check and registration (proc. 3) are in ``views/deliveries.py``. Each step of
the flow is a small form whose data goes to a requisitions service; the record page offers
only the steps the actor may take now."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.urls import path, reverse, reverse_lazy

from steward.configuration import workflows
from steward.configuration.actions import REQUISITION
from steward.configuration.choices import Decision, RequisitionStatus
from steward.configuration.filters.requisitions import RequisitionFilterSet
from steward.configuration.forms.requisitions import (
    ApprovalRequestForm,
    DecisionForm,
    OrderForm,
    QuoteForm,
    ReasonForm,
    RequisitionForm,
    lines_text,
)
from steward.configuration.models import PurchaseApproval, PurchaseRequisition
from steward.configuration.queries import requisitions as queries
from steward.configuration.services import requisitions as svc
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordActionFormView,
    RecordDetailView,
    RecordListView,
    ServiceFormView,
    action_urls,
)

R = RequisitionStatus
VIEW = svc.VIEW

TONES.update(
    {
        "pricing": "amber",
        "in_approval": "amber",
        "ordered": "purple",
        "delivery_incomplete": "red",
        "complete": "green",
        "damaged": "red",
        "missing": "red",
        "wrong": "red",
    }
)


# --- List and record pages -------------------------------------------------------------------


class RequisitionListView(RecordListView):
    permission = VIEW
    title = "Purchase requisitions"
    query = queries.requisitions_for
    filterset_class = RequisitionFilterSet
    default_sort = "-number"
    create_url_name = "configuration:requisition-create"
    create_permission = svc.CREATE
    create_label = "New requisition"
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        STATUS_COLUMN,
        Column("task_reference", "Task", sort="task_reference", classes="hide-sm"),
        Column("requested_by", "Requested by", value="requested_by.display_name"),
        Column("ordered_from", "Ordered from", value="ordered_from.name", classes="hide-sm"),
        Column("needed_by", "Needed by", sort="needed_by", classes="nowrap"),
        Column("created_at", "Created", sort="created_at", classes="nowrap hide-sm"),
    )


class RequisitionDetailView(RecordDetailView):
    permission = VIEW
    template_name = "configuration/requisition_detail.html"
    query_one = queries.requisition_for
    status_field = "status"
    list_url_name = "configuration:requisition-list"
    note_permission = VIEW
    kind_label = "Purchase requisition"

    def get_fields(self, obj: PurchaseRequisition) -> list[Field]:
        def person(p: Any) -> str | None:
            return p.display_name if p else None

        return [
            Field("Task", obj.task_reference),
            Field("Requested by", person(obj.requested_by)),
            Field("Change coordinator", person(obj.change_coordinator)),
            Field("Purchasing agent", person(obj.purchasing_agent)),
            Field("Suppliers asked", ", ".join(s.name for s in obj.suppliers.all()) or None),
            Field("Currency", obj.currency),
            Field("Needed by", obj.needed_by),
            Field("Submitted", obj.submitted_at),
            Field("Decided", obj.decided_at),
            Field("Ordered", obj.ordered_at),
            Field("Order number", obj.order_reference),
            Field("Ordered from", obj.ordered_from.name if obj.ordered_from_id else None),
            Field("Delivered", obj.delivered_at),
            Field("Why it was rejected", obj.decision_reason, wide=True),
            Field("Justification", obj.justification, wide=True),
        ]

    def get_actions(self, obj: PurchaseRequisition) -> list[Action]:
        def url(name: str) -> str:
            return reverse(f"configuration:requisition-{name}", args=[obj.pk])

        create, purchase = svc.CREATE, svc.PURCHASE
        status = obj.status
        actions: list[Action] = []
        if status == R.DRAFT:
            actions += [
                Action("Edit", url("edit"), create),
                Action("Submit for pricing", url("submit"), create, method="post", style="primary"),
            ]
        if status == R.PRICING:
            actions += [
                Action("Record quote", url("quote"), purchase, style="primary"),
                Action("Request approval", url("request-approval"), purchase),
                Action("Send back", url("return"), purchase),
            ]
        if status == R.APPROVED:
            actions.append(Action("Order", url("order"), purchase, style="primary"))
        if status in (R.ORDERED, R.DELIVERY_INCOMPLETE):
            actions.append(Action("Check delivery", url("delivery-check"), create, style="primary"))
        if status == R.DELIVERED and permissions.has(self.actor, "configuration.ci.change"):
            actions.append(Action("Register CIs", url("register"), None, style="primary"))
        if workflows.REQUISITION.can(status, R.CANCELLED) and (
            permissions.has(self.actor, create) or permissions.has(self.actor, purchase)
        ):
            actions.append(Action("Cancel", url("cancel"), None, style="danger"))
        return actions

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        requisition: PurchaseRequisition = context["record"]
        lines = list(
            requisition.lines.select_related("ci_class").prefetch_related("registered_cis")
        )
        approvals = list(
            PurchaseApproval.objects.filter(requisition=requisition)
            .select_related("approver")
            .order_by("-round", "pk")
        )
        current = approvals[0].round if approvals else None
        mine = next(
            (
                a
                for a in approvals
                if a.round == current
                and a.approver_id == self.actor.pk
                and a.decision == Decision.PENDING
            ),
            None,
        )
        can_decide = (
            mine is not None
            and requisition.status == R.IN_APPROVAL
            and permissions.has(self.actor, svc.APPROVE)
        )
        can_edit_lines = requisition.status == R.DRAFT and permissions.has(
            self.actor, svc.CREATE, requisition
        )
        context.update(
            lines=lines,
            total=sum(
                (line.quantity * line.unit_price for line in lines if line.unit_price), Decimal(0)
            ),
            quotes=list(requisition.quotes.select_related("supplier", "recorded_by")),
            approvals=approvals,
            decide_form=self.failed_form("decide", kwargs)
            or (DecisionForm(actor=self.actor) if can_decide else None),
            can_edit_lines=can_edit_lines and len(lines) > 1,
        )
        return context


# --- Buttons ---------------------------------------------------------------------------------


# --- Forms through the services --------------------------------------------------------------


class RequisitionCreateView(ServiceFormView):
    permission = svc.CREATE
    form_class = RequisitionForm
    cancel_url = reverse_lazy("configuration:requisition-list")
    title = "New purchase requisition"
    submit_label = "Save draft"
    success_message = "Requisition saved as a draft: submit it to request pricing."

    def get_initial(self) -> dict[str, Any]:
        return {"currency": "EUR", "task_reference": self.request.GET.get("task", "")[:40]}

    def perform(self, form: RequisitionForm) -> Any:
        return svc.requisition_create(actor=self.actor, **form.service_kwargs())


class RequisitionActionView(RecordActionFormView):
    """A form acting on one requisition; the form gets the actor and the requisition."""

    query_one = queries.requisition_for
    template_name = "core/form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        if self.form_class in (ReasonForm, OrderForm):
            return {}
        return {"actor": self.actor, "requisition": self.get_object()}


class RequisitionEditView(RequisitionActionView):
    permission = svc.CREATE
    form_class = RequisitionForm
    title_format = "Edit {obj.number} {obj.title}"
    submit_label = "Save changes"
    success_message = "Requisition saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}  # not the parent's requisition: the edit form takes none

    def get_initial(self) -> dict[str, Any]:
        r = self.get_object()
        return {
            "title": r.title,
            "task_reference": r.task_reference,
            "change_coordinator": r.change_coordinator_id,
            "justification": r.justification,
            "suppliers": list(r.suppliers.values_list("pk", flat=True)),
            "purchasing_agent": r.purchasing_agent_id,
            "currency": r.currency,
            "needed_by": r.needed_by,
            "lines": lines_text(r),
        }

    def perform(self, form: RequisitionForm) -> Any:
        data = form.service_kwargs()
        lines = data.pop("lines")
        return self.update_record(
            form, svc.requisition_update, "requisition_id", data=data, lines=lines
        )


class QuoteView(RequisitionActionView):
    permission = svc.PURCHASE
    form_class = QuoteForm
    title_format = "Record a quote for {obj.number} {obj.title}"
    submit_label = "Record quote"
    success_message = "Quote recorded."

    def perform(self, form: QuoteForm) -> Any:
        data = dict(form.cleaned_data)
        svc.quote_record(
            actor=self.actor,
            requisition_id=self.get_object().pk,
            supplier=data["supplier"],
            amount=data["amount"],
            currency=data["currency"] or "",
            reference=data["reference"] or "",
            valid_until=data["valid_until"],
            delivery_days=data["delivery_days"],
            selected=data["selected"],
            notes=data["notes"] or "",
        )
        return self.get_object().get_absolute_url() + "#quotes"


class ApprovalRequestView(RequisitionActionView):
    permission = svc.PURCHASE
    form_class = ApprovalRequestForm
    title_format = "Request approval of {obj.number} {obj.title}"
    submit_label = "Request approval"
    success_message = "Approval requested: the approvers are told."

    def perform(self, form: ApprovalRequestForm) -> Any:
        data = form.cleaned_data
        return svc.approval_request(
            actor=self.actor,
            requisition_id=self.get_object().pk,
            approvers=list(data["approvers"]),
            quote_id=data["quote"].pk,
            note=data["note"] or "",
        )


class OrderView(RequisitionActionView):
    permission = svc.PURCHASE
    form_class = OrderForm
    title_format = "Order {obj.number} {obj.title}"
    submit_label = "Record the order"
    success_message = "Ordered from the selected quote's supplier."

    def perform(self, form: OrderForm) -> Any:
        return svc.requisition_order(
            actor=self.actor,
            requisition_id=self.get_object().pk,
            order_reference=form.cleaned_data["order_reference"],
        )


class ReasonView(RequisitionActionView):
    """Send back to the requester (purchasing) or cancel."""

    form_class = ReasonForm
    verb = "cancel"

    @property
    def permission(self) -> str:  # type: ignore[override]
        if self.verb == "return" or not permissions.has(self.request.user, svc.CREATE):
            return svc.PURCHASE
        return svc.CREATE

    @property
    def title_format(self) -> str:  # type: ignore[override]
        if self.verb == "return":
            return "Send {obj.number} {obj.title} back to adjust"
        return "Cancel {obj.number} {obj.title}"

    @property
    def submit_label(self) -> str:  # type: ignore[override]
        return "Send back" if self.verb == "return" else "Cancel requisition"

    def perform(self, form: ReasonForm) -> Any:
        reason = form.cleaned_data["reason"]
        pk = self.get_object().pk
        if self.verb == "return":
            svc.requisition_return(actor=self.actor, requisition_id=pk, reason=reason)
            messages.success(self.request, "Sent back to the requester.")
        else:
            svc.requisition_cancel(actor=self.actor, requisition_id=pk, reason=reason)
            messages.success(self.request, "Requisition cancelled.")
        return self.get_object().get_absolute_url()


urlpatterns = [
    *record_paths(
        "requisitions",
        "requisition",
        list=RequisitionListView,
        create=RequisitionCreateView,
        detail=RequisitionDetailView,
        edit=RequisitionEditView,
    ),
    *action_urls(REQUISITION, page=RequisitionDetailView),
    path(
        "requisitions/<int:pk>/return/",
        ReasonView.as_view(verb="return"),
        name="requisition-return",
    ),
    path("requisitions/<int:pk>/quote/", QuoteView.as_view(), name="requisition-quote"),
    path(
        "requisitions/<int:pk>/request-approval/",
        ApprovalRequestView.as_view(),
        name="requisition-request-approval",
    ),
    path("requisitions/<int:pk>/order/", OrderView.as_view(), name="requisition-order"),
    path(
        "requisitions/<int:pk>/cancel/",
        ReasonView.as_view(verb="cancel"),
        name="requisition-cancel",
    ),
]
