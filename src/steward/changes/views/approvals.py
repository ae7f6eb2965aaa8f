"""Pages of Change Approval (seed 003 ch. 3 proc. 3).

- The approvals section of the change record page (``approvals_section``): the rounds with
  each approver, basis, decision and reason; the calendar conflicts the change manager must
  see before collecting (the manager's review form is the ``review`` row of the panel); the
  approve and reject forms of a pending approver.
- The signed link of the approval email (``/changes/approvals/<token>/``): the change's
  summary with Approve / Reject for the approver it was sent to. Customer representatives,
  who do not see the staff record page, approve here.
- "Changes waiting for my approval" (``/changes/approvals/``), which the "My work" section
  links to.
- The approvers' POSTs (``/changes/<pk>/approval/approve/``, ``.../reject/``), used by the
  section and the link page; never a decision on GET.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from steward.changes.choices import ApprovalDecision, ChangeStatus
from steward.changes.forms.approvals import ChangeApproveForm, ChangeRejectForm, ChangeReviewForm
from steward.changes.models import Change, ChangeApproval
from steward.changes.queries import approvals as queries
from steward.changes.queries.changes import VIEW, change_for
from steward.changes.services import approvals as svc
from steward.core import permissions
from steward.core.views.patterns import StewardPageMixin
from steward.core.views.patterns.base import apply_errors
from steward.core.views.patterns.forms import redirect_back

TEMPLATE = "changes/approval.html"


def _forms(approval: ChangeApproval | None, data: Any = None, *, actor: Any) -> dict[str, Any]:
    initial = {"approval": approval.pk} if approval else {}
    record = approval.change if approval else None
    return {
        "approve_form": ChangeApproveForm(
            data, actor=actor, record=record, initial=initial, auto_id="approve-%s"
        ),
        "reject_form": ChangeRejectForm(
            data, actor=actor, record=record, initial=initial, auto_id="reject-%s"
        ),
    }


def approvals_section(request: HttpRequest, change: Change) -> dict[str, Any]:
    """This topic's part of the change page's context (views/sections.py)."""
    actor = request.user
    rounds = queries.rounds_of(change)
    pending = svc.is_pending_approver(actor, change)
    reviewing = (
        change.status == ChangeStatus.APPROVAL
        and not svc.collecting(change)
        and permissions.has(actor, svc.MANAGE, change)
    )
    section: dict[str, Any] = {
        "rounds": rounds,
        "pending": pending,
        "reviewing": reviewing,
        "conflicts": queries.conflicts_of(change) if reviewing else [],
        "review_form": ChangeReviewForm(actor=actor, record=change, auto_id="review-%s")
        if reviewing
        else None,
        "review_url": reverse("changes:change-review", args=[change.pk]),
        "approve_url": reverse("changes:change-approval-approve", args=[change.pk]),
        "reject_url": reverse("changes:change-approval-reject", args=[change.pk]),
        "back": change.get_absolute_url() + "#approvals",
    }
    if pending:
        section.update(_forms(None, actor=actor))
    return {"approvals": section}


def _state_message(approval: ChangeApproval) -> str:
    """Why a link can no longer be used, in words; "" while it can."""
    change = approval.change
    if approval.round != change.approval_round:
        return (
            f"This approval request is from round {approval.round}; the change manager has "
            f"asked again since (round {change.approval_round}). Use the newest email."
        )
    if approval.decision == ApprovalDecision.WITHDRAWN:
        return "Your approval is no longer needed: another approver rejected the change."
    if approval.decision != ApprovalDecision.PENDING:
        label = ApprovalDecision(approval.decision).label.lower()
        if approval.decided_at is None:
            return f"You have already {label} it."
        return f"You have already {label} it on {timezone.localtime(approval.decided_at):%Y-%m-%d %H:%M}."
    if change.status != ChangeStatus.APPROVAL:
        return f"The change is {ChangeStatus(change.status).label.lower()}: it no longer waits."
    return ""


def _page(
    request: HttpRequest, approval: ChangeApproval, *, status: int = 200, **extra: Any
) -> HttpResponse:
    change = approval.change
    actor = request.user
    staff = not permissions.is_customer_side(actor) and permissions.has(actor, VIEW)
    used = _state_message(approval)
    context: dict[str, Any] = {
        "title": f"Approve change {change.number}",
        "change": change,
        "approval": approval,
        "staff": staff,
        "window": svc.window_text(change),
        "unavailable": svc.unavailable_in_service_hours(change),
        "used": used,
        "approve_url": reverse("changes:change-approval-approve", args=[change.pk]),
        "reject_url": reverse("changes:change-approval-reject", args=[change.pk]),
        "back": request.get_full_path(),
        **extra,
    }
    if not used and "approve_form" not in extra:
        context.update(_forms(approval, actor=actor))
    return render(request, TEMPLATE, context, status=status)


class ApprovalLinkView(StewardPageMixin, View):
    """The signed link of the approval email: only for the approver it was sent to."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            approval_id, round_ = svc.read_token(token)
        except signing.SignatureExpired:
            return self._refused(request, "This approval link has expired.", 410)
        except signing.BadSignature:
            # Not a link we made: as for any address that names nothing, 404.
            return self._refused(request, "This is not a valid approval link.", 404)
        approval = (
            ChangeApproval.objects.select_related("change", "change__service", "organisation")
            .filter(pk=approval_id, round=round_)
            .first()
        )
        if approval is None:
            raise Http404("No such approval request.")
        if approval.approver_id != request.user.pk:
            raise PermissionDenied("This approval request was sent to someone else.")
        return _page(request, approval)

    @staticmethod
    def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
        context = {"title": "Approval link", "used": message, "link_refused": True}
        return render(request, TEMPLATE, context, status=status)


class ApprovalListView(StewardPageMixin, View):
    """Changes waiting for my approval (the "My work" section's list)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = [
            {"approval": a, "change": a.change, "link": svc.approval_link(a)}
            for a in queries.waiting_for(request.user)
        ]
        return render(
            request,
            "changes/approval_list.html",
            {"title": "Changes waiting for my approval", "rows": rows},
        )


class _DecisionView(StewardPageMixin, View):
    """An approver's decision, posted from the change page's section or the link page."""

    http_method_names = ["post"]
    form_class: type[forms.Form]
    decision = ""

    @property
    def posted_form(self) -> type[forms.Form]:
        return self.form_class

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        change = change_for(self.actor, pk)
        form = self.form_class(request.POST, actor=self.actor, record=change)
        if form.is_valid():
            data = dict(form.cleaned_data)
            approval_id = data.pop("approval", None)
            try:
                self.decide(change, approval_id, data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Your decision on {change.number} is recorded.")
                return redirect_back(request, reverse("changes:approval-list"))
        return self.refused(change, form)

    def decide(self, change: Change, approval_id: int | None, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def refused(self, change: Change, form: forms.Form) -> HttpResponse:
        """The approver's page again with the form's errors (400), never the staff page."""
        approval = (
            change.approvals.filter(approver=self.actor)
            .select_related("change", "change__service", "organisation")
            .order_by("-round")
            .first()
        )
        if approval is None:
            raise PermissionDenied("You are not an approver of this change.")
        key = "approve_form" if isinstance(form, ChangeApproveForm) else "reject_form"
        others = _forms(approval, actor=self.actor)
        others[key] = form
        return _page(self.request, approval, status=400, **others)


class ChangeApproveView(_DecisionView):
    form_class = ChangeApproveForm

    def decide(self, change: Change, approval_id: int | None, data: dict[str, Any]) -> None:
        svc.change_approve(actor=self.actor, change_id=change.pk, approval_id=approval_id, **data)


class ChangeRejectView(_DecisionView):
    form_class = ChangeRejectForm

    def decide(self, change: Change, approval_id: int | None, data: dict[str, Any]) -> None:
        svc.change_reject(actor=self.actor, change_id=change.pk, approval_id=approval_id, **data)


urlpatterns = [
    path("changes/approvals/", ApprovalListView.as_view(), name="approval-list"),
    path("changes/approvals/<str:token>/", ApprovalLinkView.as_view(), name="approval-link"),
    path(
        "changes/<int:pk>/approval/approve/",
        ChangeApproveView.as_view(),
        name="change-approval-approve",
    ),
    path(
        "changes/<int:pk>/approval/reject/",
        ChangeRejectView.as_view(),
        name="change-approval-reject",
    ),
]
