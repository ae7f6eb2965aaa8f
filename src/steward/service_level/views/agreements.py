"""Agreements (SLA, OLA, underpinning contract): list, record with targets and signatures,
the agreement template form, signing and termination (seed 003 ch. 11 proc. 2 and 4)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse, reverse_lazy

from steward.core import permissions
from steward.core.ids import parse_id
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
    apply_errors,
    header_buttons,
)
from steward.service_level import queries
from steward.service_level.actions import AGREEMENT, TARGET
from steward.service_level.choices import AgreementKind, AgreementStatus, SignatoryRole
from steward.service_level.filters import AgreementFilterSet
from steward.service_level.forms import (
    AgreementForm,
    SignForm,
)
from steward.service_level.models import Agreement, AgreementSignature
from steward.service_level.queries.compliance import agreement_compliance
from steward.service_level.services import agreements as svc
from steward.service_level.views.common import (
    compliance_context,
    targets_context,
)

A = AgreementStatus
S = SignatoryRole

REQUIRED_SIGNATORIES = svc.REQUIRED_SIGNATORIES
AGREEMENT_FIELDS = (
    "name",
    "catalog_item",
    "term_start",
    "term_end",
    "evaluation_months",
    "description",
)


def party(agreement: Agreement) -> str:
    found = agreement.customer or agreement.support_group or agreement.supplier
    return str(found) if found else ""


def _party_url(agreement: Agreement) -> str:
    if agreement.customer_id:
        return reverse("service_level:customer-detail", args=[agreement.customer_id])
    found = agreement.support_group or agreement.supplier
    return found.get_absolute_url() if found else ""


def signable_roles(actor: Any, agreement: Agreement) -> tuple[list[str], bool]:
    """(roles the actor may sign as now, signs on someone's behalf?).

    The service checks again; this only decides which buttons to show.
    """
    if agreement.status != A.DRAFT or not permissions.has(
        actor, "service_level.agreement.sign", agreement
    ):
        return [], False
    required = REQUIRED_SIGNATORIES[agreement.kind]
    if permissions.has(actor, "service_level.agreement.change", agreement):
        return list(required), True
    return [role for role in required if svc.may_sign_as(actor, agreement, role)], False


def signature_rows(agreement: Agreement) -> list[dict[str, Any]]:
    """One row per required signatory with the latest signature, if any."""
    latest: dict[str, AgreementSignature] = {}
    for signature in agreement.signatures.select_related("person").order_by("at", "pk"):
        latest[signature.role] = signature
    return [
        {"role": S(role).label, "key": role, "signature": latest.get(role)}
        for role in REQUIRED_SIGNATORIES[agreement.kind]
    ]


class AgreementListView(RecordListView):
    permission = "service_level.agreement.view"
    title = "Agreements"
    query = queries.agreements_for
    filterset_class = AgreementFilterSet
    default_sort = "number"
    create_url_name = "service_level:agreement-create"
    create_permission = "service_level.agreement.change"
    create_label = "New agreement"
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("name", "Name", sort="name", link=True),
        Column(
            "kind", "Kind", value=lambda a: a.get_kind_display(), sort="kind", classes="hide-sm"
        ),
        Column("service", "Service", value="service.name", sort="service__name"),
        Column("party", "Party", value=party, url=_party_url),
        STATUS_COLUMN,
        Column("term_start", "Term starts", sort="term_start", classes="nowrap hide-sm"),
        Column("term_end", "Term ends", sort="term_end", classes="nowrap hide-sm"),
    )

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .select_related("service", "customer", "support_group", "supplier")
        )


class AgreementDetailView(RecordDetailView):
    permission = "service_level.agreement.view"
    template_name = "service_level/agreement_detail.html"
    query_one = queries.agreement_for
    status_field = "status"
    list_url_name = "service_level:agreement-list"
    note_permission = "service_level.agreement.change"
    accepts_attachments = True  # the signed copy, scanned

    def get_title(self, obj: Agreement) -> str:
        return obj.name

    def get_fields(self, obj: Agreement) -> list[Field]:
        return [
            Field("Kind", obj.get_kind_display()),
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Party", party(obj), url=_party_url(obj)),
            Field(
                "Catalog item",
                f"{obj.catalog_item.number} {obj.catalog_item.name}"
                if obj.catalog_item_id
                else None,
                url=obj.catalog_item.get_absolute_url()
                if obj.catalog_item_id and not permissions.is_customer_side(self.actor)
                else "",
            ),
            Field(
                "Term",
                f"{obj.term_start:%Y-%m-%d} to {obj.term_end:%Y-%m-%d}"
                if obj.term_end
                else f"From {obj.term_start:%Y-%m-%d}, until terminated",
            ),
            Field(
                "Evaluation",
                f"every {obj.evaluation_months} month{'s' if obj.evaluation_months != 1 else ''}",
            ),
            Field("Signed", obj.signed_at),
            Field("Terminated", obj.terminated_at),
            Field("Why terminated", obj.termination_reason, wide=True),
            Field("Description", obj.description, wide=True),
        ]

    def get_related(self, obj: Agreement) -> list[Related]:
        if not permissions.has(self.actor, "service_level.review.view"):
            return []
        return [
            Related(
                "SLA reviews",
                queries.reviews_for(self.actor).filter(agreements=obj),
                [
                    Column("number", "Number", link=True),
                    Column("term_end", "Term ends"),
                    Column("status", "Status", value="status", badge=True),
                ],
                empty_text="Not reviewed yet.",
            )
        ]

    def get_actions(self, obj: Agreement) -> list[Action]:
        change = "service_level.agreement.change"
        actions = []
        if obj.status == A.DRAFT:
            actions.append(
                Action("Edit", reverse("service_level:agreement-edit", args=[obj.pk]), change)
            )
        return actions + header_buttons(AGREEMENT, self.actor, obj)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        agreement = context["record"]
        roles, on_behalf = signable_roles(self.actor, agreement)
        sign_form = kwargs.get("sign_form")
        if sign_form is None and roles:
            sign_form = SignForm(actor=self.actor, initial={"role": roles[0]})
        if sign_form is not None:
            sign_form.fields["role"].choices = [(r, S(r).label) for r in roles]
            if not on_behalf:
                sign_form.fields.pop("person", None)
        context.update(compliance_context(agreement_compliance(self.actor, agreement)))
        context.update(
            signatures=signature_rows(agreement),
            sign_form=sign_form if roles else None,
            **targets_context(self, AGREEMENT, agreement, kwargs),
        )
        return context


class AgreementSignView(AgreementDetailView):
    http_method_names = ["post"]
    permission = "service_level.agreement.sign"
    form_class = SignForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        agreement = self.get_object()
        roles, on_behalf = signable_roles(self.actor, agreement)
        form = SignForm(request.POST, actor=self.actor, record=agreement)
        form.fields["role"].choices = [(r, S(r).label) for r in roles] or S.choices
        if not on_behalf:
            del form.fields["person"]
        if form.is_valid():
            data = form.cleaned_data
            person = data.get("person")
            try:
                result = svc.agreement_sign(
                    actor=self.actor,
                    agreement_id=agreement.pk,
                    role=data["role"],
                    signed=data["signed"],
                    comment=data.get("comment") or "",
                    person_id=person.pk if person else None,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                status = getattr(result, "status", None)
                if status == A.ACTIVE:
                    messages.success(request, "Signed by everyone: the agreement is active.")
                elif status == A.NOT_SIGNED:
                    messages.warning(request, "Declined: the agreement is not signed.")
                else:
                    messages.success(request, "Signature recorded.")
                return HttpResponseRedirect(agreement.get_absolute_url())
        return self.render_to_response(self.get_context_data(sign_form=form), status=400)


class AgreementCreateView(ServiceFormView):
    """The agreement template; from a catalog item, the service, level and customer are filled in."""

    permission = "service_level.agreement.change"
    form_class = AgreementForm
    cancel_url = reverse_lazy("service_level:agreement-list")
    title = "New agreement"
    submit_label = "Prepare agreement"
    success_message = "Agreement prepared: collect the signatures."

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"kind": AgreementKind.SLA, "evaluation_months": 3}
        source = parse_id(self.request.GET.get("catalog_item"))
        item = (
            queries.catalog_items_for(self.actor).filter(pk=source).first()
            if source is not None
            else None
        )
        if item is not None:
            initial.update(
                service=item.service_id,
                catalog_item=item.pk,
                name=item.name if not item.customer_id else f"{item.name} for {item.customer}",
                customer=item.customer_id,
            )
        return initial

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        kind = data["kind"]
        return svc.agreement_create(
            actor=self.actor,
            kind=kind,
            service=data["service"],
            name=data["name"],
            customer=data.get("customer") if kind == AgreementKind.SLA else None,
            support_group=data.get("support_group") if kind == AgreementKind.OLA else None,
            supplier=data.get("supplier") if kind == AgreementKind.UC else None,
            catalog_item=data.get("catalog_item"),
            term_start=data["term_start"],
            term_end=data.get("term_end"),
            evaluation_months=data["evaluation_months"],
            description=data.get("description") or "",
        )


class AgreementEditView(RecordActionFormView):
    permission = "service_level.agreement.change"
    form_class = AgreementForm
    success_message = "Agreement saved."
    query_one = queries.agreement_for
    title_format = "Edit {obj.number} {obj.name}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def get_initial(self) -> dict[str, Any]:
        agreement = self.get_object()
        initial = {name: getattr(agreement, name) for name in AGREEMENT_FIELDS}
        initial["catalog_item"] = agreement.catalog_item_id
        return initial

    def perform(self, form: forms.Form) -> Any:
        data = {name: form.cleaned_data.get(name) for name in AGREEMENT_FIELDS}
        data["description"] = data["description"] or ""
        return self.update_record(form, svc.agreement_update, "agreement_id", data=data)


urlpatterns = [
    path("agreements/", AgreementListView.as_view(), name="agreement-list"),
    path("agreements/new/", AgreementCreateView.as_view(), name="agreement-create"),
    path("agreements/<int:pk>/", AgreementDetailView.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/edit/", AgreementEditView.as_view(), name="agreement-edit"),
    path("agreements/<int:pk>/sign/", AgreementSignView.as_view(), name="agreement-sign"),
    *action_urls(AGREEMENT, page=AgreementDetailView),
    *action_urls(TARGET),
]
