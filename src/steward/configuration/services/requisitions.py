"""CI Requisition (seed 003 ch. 4, procedure 1); the delivery check and registration of
procedure 3 are in ``deliveries``.

A configuration administrator fills out a purchase requisition (draft) with its line items
and the suppliers to ask for quotes, checks that those suppliers' contact details are
registered, and submits it: pricing is requested from purchasing. A purchasing agent
records the suppliers' quotes, selects one and asks named approvers (financial manager, IT
controller, IT director) for approval. Any rejection rejects the requisition (the
configuration administrator goes on with procedure 4, CI Update); all approvals approve
it, and the purchasing agent orders from the selected quote's supplier.

On delivery the configuration administrator checks each line (complete, damaged, missing,
wrong). An incomplete delivery is reported to the supplier and the change coordinator is
told of the delay through the line items (``expected_on``); a complete one is reported to
the purchasing agent, and the delivered CIs are registered in the CMDB (in stock, with
their serial numbers, caused by the requisition number) and linked to their line items.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from steward.configuration import workflows
from steward.configuration.choices import Decision, DeliveryStatus, RequisitionStatus
from steward.configuration.models import (
    CIClass,
    PurchaseApproval,
    PurchaseLineItem,
    PurchaseRequisition,
    SupplierQuote,
)
from steward.core import journal, notify, numbering, permissions, roles, transitions
from steward.core.choices import OrganisationKind, Role
from steward.core.edits import lock_to_edit, reject_unknown, require_state
from steward.core.errors import DomainError
from steward.core.models import Organisation, Person

R = RequisitionStatus
VIEW = "configuration.requisition.view"
CREATE = "configuration.requisition.create"
PURCHASE = "configuration.requisition.purchase"
APPROVE = "configuration.requisition.approve"

REQUISITION_FIELDS = [
    "title", "justification", "task_reference", "change_coordinator", "purchasing_agent",
    "currency", "needed_by",
]  # fmt: skip
LINE_FIELDS = ["description", "ci_class", "quantity", "unit_price"]
CHECKED = [s for s in DeliveryStatus.values if s != DeliveryStatus.PENDING]


# --- Helpers -------------------------------------------------------------------------------


def locked_requisition(requisition_id: int) -> PurchaseRequisition:
    return transitions.lock(PurchaseRequisition, requisition_id)


def move_status(
    requisition: PurchaseRequisition,
    new: str,
    *,
    actor: Person,
    reason: str = "",
    also: Iterable[str] = (),
) -> str:
    """Move a locked requisition to ``new``: saved with ``also``, journalled, published."""
    return transitions.transition(
        requisition,
        new,
        actor=actor,
        workflow=workflows.REQUISITION,
        reason=reason,
        also=also,
        event=f"configuration.purchase_requisition.{new}",
        data={"old": requisition.status, "new": new, "reason": reason},
    )


def requisition_label(requisition: PurchaseRequisition) -> str:
    return f"{requisition.number} {requisition.title}"


def purchasing_agents(requisition: PurchaseRequisition) -> list[Person]:
    """The requisition's purchasing agent, or every purchasing agent while none took it."""
    if requisition.purchasing_agent_id and requisition.purchasing_agent.is_active:
        return [requisition.purchasing_agent]
    return roles.holders(Role.PURCHASING_AGENT)


def has_contact_details(supplier: Organisation) -> bool:
    """An email address or phone number for the supplier itself or one of its people."""
    if supplier.email or supplier.phone:
        return True
    return supplier.people.filter(
        Q(email__gt="") | Q(phone__gt="") | Q(mobile__gt=""), is_active=True
    ).exists()


COORDINATORS = {Role.CHANGE_COORDINATOR, Role.CHANGE_MANAGER}


def _check_coordinator(person: Person | None) -> None:
    if person is not None and not (person.is_active and person.role_names & COORDINATORS):
        raise ValidationError({"change_coordinator": [f"{person} is not a change coordinator."]})


def _check_agent(person: Person | None) -> None:
    if person is not None and not (person.is_active and permissions.has(person, PURCHASE)):
        raise ValidationError({"purchasing_agent": [f"{person} is not a purchasing agent."]})


def _check_suppliers(suppliers: Iterable[Organisation]) -> list[Organisation]:
    chosen = list({s.pk: s for s in suppliers}.values())
    wrong = [str(s) for s in chosen if s.kind != OrganisationKind.SUPPLIER or not s.is_active]
    if wrong:
        raise ValidationError(
            {"suppliers": [f"Not an active supplier: {', '.join(sorted(wrong))}."]}
        )
    return chosen


def _decimal(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: ["Enter a number."]}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({field: ["Enter an amount of zero or more."]})
    return number


def _build_line(requisition: PurchaseRequisition, position: int, spec: Mapping[str, Any]) -> Any:
    if not isinstance(spec, Mapping):
        raise ValidationError({"lines": ["Each line is an object."]})
    reject_unknown(spec, LINE_FIELDS)
    description = str(spec.get("description") or "").strip()
    errors: dict[str, list[str]] = {}
    if not description:
        errors["description"] = ["Say what to buy."]
    quantity = spec.get("quantity", 1)
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if quantity < 1:
        errors["quantity"] = ["Order at least 1."]
    ci_class = spec.get("ci_class")
    if ci_class is not None and not isinstance(ci_class, CIClass):
        errors["ci_class"] = ["Choose a CI class."]
    if errors:
        raise ValidationError(errors)
    line = PurchaseLineItem(
        requisition=requisition,
        position=position,
        description=description,
        quantity=quantity,
        ci_class=ci_class,
        unit_price=_decimal(spec.get("unit_price"), "unit_price"),
    )
    line.full_clean(exclude=["requisition"], validate_unique=False)
    return line


def _build_lines(
    requisition: PurchaseRequisition, specs: Sequence[Mapping[str, Any]], start: int = 1
) -> list[PurchaseLineItem]:
    """Unsaved, validated lines; an error names the line by its number."""
    lines = []
    for offset, spec in enumerate(specs):
        try:
            lines.append(_build_line(requisition, start + offset, spec))
        except ValidationError as exc:
            messages = [
                f"Line {start + offset}: {message}"
                for errors in exc.message_dict.values()
                for message in errors
            ]
            raise ValidationError({"lines": messages}) from None
    return lines


# --- Filling out (draft) -----------------------------------------------------------------------


def requisition_create(
    *,
    actor: Person,
    title: str,
    lines: Sequence[Mapping[str, Any]],
    justification: str = "",
    task_reference: str = "",
    change_coordinator: Person | None = None,
    purchasing_agent: Person | None = None,
    suppliers: Iterable[Organisation] = (),
    currency: str = "EUR",
    needed_by: dt.date | None = None,
) -> PurchaseRequisition:
    """Procedure 1: the configuration administrator fills out a purchase requisition for
    the CIs a change task asks for (a draft, with its line items)."""
    permissions.require(actor, CREATE)
    if not lines:
        raise ValidationError({"lines": ["Add at least one line item."]})
    _check_coordinator(change_coordinator)
    _check_agent(purchasing_agent)
    chosen = _check_suppliers(suppliers)
    with transaction.atomic():
        requisition = PurchaseRequisition(
            title=title.strip(),
            justification=justification,
            task_reference=task_reference.strip(),
            requested_by=actor,
            change_coordinator=change_coordinator,
            purchasing_agent=purchasing_agent,
            currency=(currency or "EUR").upper(),
            needed_by=needed_by,
        )
        requisition.full_clean(exclude=["number"])
        built = _build_lines(requisition, lines)
        numbering.assign(requisition)
        requisition.save()
        for line in built:
            line.requisition = requisition
        PurchaseLineItem.objects.bulk_create(built)
        requisition.suppliers.set(chosen)
        journal.created(requisition, actor=actor, summary=f"{requisition.title}")
        notify.record_event(
            record=requisition, event="configuration.purchase_requisition.created", actor=actor
        )
    return requisition


def requisition_update(
    *,
    actor: Person,
    requisition_id: int,
    data: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
) -> PurchaseRequisition:
    """Adjust a draft requisition; ``data["suppliers"]`` replaces the suppliers to ask and
    ``lines``, when given, replace the line items."""
    reject_unknown(data, [*REQUISITION_FIELDS, "suppliers"])
    with transaction.atomic():
        requisition = lock_to_edit(
            actor, CREATE, PurchaseRequisition, requisition_id, expected_version
        )
        require_state(requisition, R.DRAFT, "requisition")
        _check_coordinator(data.get("change_coordinator"))
        _check_agent(data.get("purchasing_agent"))
        changes = journal.apply_changes(requisition, data, REQUISITION_FIELDS)
        requisition.title = requisition.title.strip()
        requisition.currency = (requisition.currency or "").upper()
        requisition.full_clean(exclude=["number"])
        requisition.save()
        if "suppliers" in data:
            chosen = _check_suppliers(data["suppliers"])
            old = sorted(str(s) for s in requisition.suppliers.all())
            requisition.suppliers.set(chosen)
            new = sorted(str(s) for s in chosen)
            if old != new:
                changes["suppliers"] = (", ".join(old), ", ".join(new))
        if lines is not None:
            if not lines:
                raise ValidationError({"lines": ["Add at least one line item."]})
            built = _build_lines(requisition, lines)
            old_lines = [str(line) for line in requisition.lines.all()]
            requisition.lines.all().delete()
            PurchaseLineItem.objects.bulk_create(built)
            changes["lines"] = ("; ".join(old_lines), "; ".join(str(line) for line in built))
        journal.field_changes(requisition, actor=actor, changes=changes)
    return requisition


def line_add(
    *,
    actor: Person,
    requisition_id: int,
    description: str,
    quantity: int = 1,
    ci_class: CIClass | None = None,
    unit_price: Decimal | None = None,
) -> PurchaseLineItem:
    """Add a line item to a draft requisition."""
    with transaction.atomic():
        requisition = lock_to_edit(actor, CREATE, PurchaseRequisition, requisition_id)
        require_state(requisition, R.DRAFT, "requisition")
        last = requisition.lines.aggregate(last=Max("position"))["last"] or 0
        spec = {
            "description": description,
            "quantity": quantity,
            "ci_class": ci_class,
            "unit_price": unit_price,
        }
        (line,) = _build_lines(requisition, [spec], start=last + 1)
        line.save()
        journal.field_changes(
            requisition, actor=actor, changes={f"line {line.position}": (None, str(line))}
        )
    return line


def line_remove(*, actor: Person, requisition_id: int, line_id: int) -> None:
    """Remove a line item from a draft requisition (it keeps at least one)."""
    with transaction.atomic():
        requisition = lock_to_edit(actor, CREATE, PurchaseRequisition, requisition_id)
        require_state(requisition, R.DRAFT, "requisition")
        line = requisition.lines.filter(pk=line_id).first()
        if line is None:
            raise ValidationError({"line": ["No such line on this requisition."]})
        if requisition.lines.count() == 1:
            raise ValidationError({"line": ["A requisition keeps at least one line item."]})
        text = str(line)
        line.delete()
        journal.field_changes(
            requisition, actor=actor, changes={f"line {line.position}": (text, None)}
        )


# --- Pricing and approval ----------------------------------------------------------------------


def requisition_submit(*, actor: Person, requisition_id: int) -> PurchaseRequisition:
    """Procedure 1: having made sure the suppliers' contact details are registered, the
    configuration administrator submits the requisition, requesting pricing from purchasing."""
    with transaction.atomic():
        requisition = locked_requisition(requisition_id)
        workflows.REQUISITION.check(str(requisition.status), str(R.PRICING))
        permissions.require(actor, CREATE, requisition)
        errors: dict[str, list[str]] = {}
        if not requisition.lines.exists():
            errors["lines"] = ["Add at least one line item."]
        suppliers = list(requisition.suppliers.order_by("name"))
        if not suppliers:
            errors["suppliers"] = ["Name the suppliers to ask for quotes."]
        without = [str(s) for s in suppliers if not has_contact_details(s)]
        if without:
            errors.setdefault("suppliers", []).append(
                f"No contact details registered for {', '.join(without)}: update the "
                "supplier information first (procedure 2)."
            )
        if requisition.change_coordinator_id is None:
            errors["change_coordinator"] = [
                "Name the change coordinator whose task this is: they are told of delays."
            ]
        if errors:
            raise ValidationError(errors)
        requisition.submitted_at = timezone.now()
        move_status(
            requisition,
            R.PRICING,
            actor=actor,
            reason="Pricing requested from purchasing.",
            also=["submitted_at"],
        )
        notify.send(
            recipients=purchasing_agents(requisition),
            event="configuration.requisition.pricing_requested",
            title=f"Pricing requested for {requisition_label(requisition)}",
            body=(
                f"{actor} asks for quotes from {', '.join(str(s) for s in suppliers)} "
                f"for {requisition.lines.count()} line item(s)."
            ),
            record=requisition,
        )
    return requisition


def requisition_return(*, actor: Person, requisition_id: int, reason: str) -> PurchaseRequisition:
    """Purchasing sends a requisition back to its author to adjust (pricing -> draft)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say what must be adjusted."]})
    with transaction.atomic():
        requisition = locked_requisition(requisition_id)
        workflows.REQUISITION.check(str(requisition.status), str(R.DRAFT))
        permissions.require(actor, PURCHASE, requisition)
        move_status(requisition, R.DRAFT, actor=actor, reason=reason)
        notify.send(
            recipients=[requisition.requested_by],
            event="configuration.requisition.returned",
            title=f"{requisition_label(requisition)} was sent back to you to adjust",
            body=reason,
            record=requisition,
        )
    return requisition


def _take(requisition: PurchaseRequisition, actor: Person) -> list[str]:
    """The purchasing agent handling the requisition becomes its purchasing agent."""
    if requisition.purchasing_agent_id is None:
        requisition.purchasing_agent = actor
        journal.field_changes(requisition, actor=actor, changes={"purchasing_agent": (None, actor)})
        return ["purchasing_agent"]
    return []


def _select(requisition: PurchaseRequisition, quote: SupplierQuote) -> None:
    requisition.quotes.exclude(pk=quote.pk).filter(selected=True).update(selected=False)
    if not quote.selected:
        quote.selected = True
        quote.save(update_fields=["selected"])


def quote_record(
    *,
    actor: Person,
    requisition_id: int,
    supplier: Organisation,
    amount: Decimal,
    currency: str = "",
    reference: str = "",
    valid_until: dt.date | None = None,
    delivery_days: int | None = None,
    selected: bool = False,
    notes: str = "",
    received_at: dt.datetime | None = None,
) -> SupplierQuote:
    """Procedure 1: the purchasing agent records a quote obtained from a supplier. A
    supplier not on the requisition's list is added to it (it was asked too)."""
    amount_value = _decimal(amount, "amount")
    if amount_value is None:
        raise ValidationError({"amount": ["Give the quoted amount."]})
    with transaction.atomic():
        requisition = lock_to_edit(actor, PURCHASE, PurchaseRequisition, requisition_id)
        if requisition.status != R.PRICING:
            raise DomainError(
                f"Quotes are recorded while pricing; {requisition.number} is "
                f"{R(requisition.status).label.lower()}."
            )
        _check_suppliers([supplier])
        fields = _take(requisition, actor)
        if not requisition.suppliers.filter(pk=supplier.pk).exists():
            requisition.suppliers.add(supplier)
            journal.field_changes(
                requisition, actor=actor, changes={"suppliers": (None, f"{supplier} added")}
            )
        quote = SupplierQuote(
            requisition=requisition,
            supplier=supplier,
            amount=amount_value,
            currency=(currency or requisition.currency).upper(),
            reference=reference.strip(),
            valid_until=valid_until,
            delivery_days=delivery_days,
            notes=notes,
            received_at=received_at or timezone.now(),
            recorded_by=actor,
        )
        quote.full_clean(exclude=["requisition", "recorded_by"])
        quote.save()
        if selected:
            _select(requisition, quote)
        journal.system(
            requisition,
            text=f"{actor} recorded a quote from {supplier}: {quote.amount} {quote.currency}"
            + (" (selected)." if selected else "."),
            data={"quote": quote.pk},
        )
        if fields:
            requisition.save(update_fields=[*fields, "updated_at"])
    return quote


def quote_select(*, actor: Person, requisition_id: int, quote_id: int) -> SupplierQuote:
    """The purchasing agent picks the quote to ask approval for (one per requisition)."""
    with transaction.atomic():
        requisition = lock_to_edit(actor, PURCHASE, PurchaseRequisition, requisition_id)
        if requisition.status != R.PRICING:
            raise DomainError(f"{requisition.number} is no longer being priced.")
        quote = requisition.quotes.filter(pk=quote_id).first()
        if quote is None:
            raise ValidationError({"quote": ["No such quote on this requisition."]})
        _select(requisition, quote)
        journal.system(
            requisition, text=f"{actor} selected the quote from {quote.supplier}.", data={}
        )
    return quote


def approval_request(
    *,
    actor: Person,
    requisition_id: int,
    approvers: Iterable[Person],
    quote_id: int | None = None,
    note: str = "",
) -> PurchaseRequisition:
    """Procedure 1: after the quotes are in, the purchasing agent requests approval from
    the named approvers (each must hold ``configuration.requisition.approve``)."""
    chosen = list({p.pk: p for p in approvers}.values())
    with transaction.atomic():
        requisition = locked_requisition(requisition_id)
        workflows.REQUISITION.check(str(requisition.status), str(R.IN_APPROVAL))
        permissions.require(actor, PURCHASE, requisition)
        errors: dict[str, list[str]] = {}
        quotes = list(requisition.quotes.select_related("supplier"))
        if quote_id is not None:
            wanted = [q for q in quotes if q.pk == quote_id]
            if not wanted:
                errors["quote"] = ["No such quote on this requisition."]
            else:
                _select(requisition, wanted[0])
                for q in quotes:
                    q.selected = q.pk == quote_id
        if not quotes:
            errors["quotes"] = ["Record at least one supplier quote first."]
        elif not any(q.selected for q in quotes) and "quote" not in errors:
            errors["quote"] = ["Select the quote to ask approval for."]
        if not chosen:
            errors["approvers"] = ["Name at least one approver."]
        not_approvers = [
            str(p) for p in chosen if not (p.is_active and permissions.has(p, APPROVE))
        ]
        if not_approvers:
            errors.setdefault("approvers", []).append(
                f"May not approve purchase requisitions: {', '.join(sorted(not_approvers))}."
            )
        if any(p.pk in (requisition.requested_by_id, actor.pk) for p in chosen):
            errors.setdefault("approvers", []).append(
                "The requester and the purchasing agent cannot approve their own requisition."
            )
        if errors:
            raise ValidationError(errors)
        fields = _take(requisition, actor)
        last = requisition.approvals.aggregate(last=Max("round"))["last"] or 0
        PurchaseApproval.objects.bulk_create(
            PurchaseApproval(requisition=requisition, round=last + 1, approver=p) for p in chosen
        )
        quote = next(q for q in quotes if q.selected)
        move_status(
            requisition,
            R.IN_APPROVAL,
            actor=actor,
            reason=f"Approval requested from {', '.join(str(p) for p in chosen)}. {note}".strip(),
            also=fields,
        )
        notify.send(
            recipients=chosen,
            event="configuration.requisition.approval_requested",
            title=f"Please approve purchase requisition {requisition_label(requisition)}",
            body=(
                f"{actor} asks for your approval: {quote.amount} {quote.currency} "
                f"from {quote.supplier}. {note}"
            ).strip(),
            record=requisition,
        )
    return requisition


def requisition_decide(
    *, actor: Person, requisition_id: int, decision: str, comment: str = ""
) -> PurchaseRequisition:
    """Procedure 1: an approver approves or rejects. Any rejection rejects the requisition
    (the reason is required, and the configuration administrator continues with procedure
    4, CI Update); the last approval approves it and purchasing may order."""
    if decision not in (Decision.APPROVED, Decision.REJECTED):
        raise ValidationError({"decision": ["Choose approved or rejected."]})
    comment = comment.strip()
    if decision == Decision.REJECTED and not comment:
        raise ValidationError({"comment": ["Say why you reject the purchase requisition."]})
    with transaction.atomic():
        requisition = locked_requisition(requisition_id)
        permissions.require(actor, APPROVE)
        if requisition.status != R.IN_APPROVAL:
            raise DomainError(
                f"{requisition.number} is {R(requisition.status).label.lower()}, not in approval."
            )
        current = requisition.approvals.aggregate(last=Max("round"))["last"]
        rows = list(requisition.approvals.filter(round=current))
        mine = next((r for r in rows if r.approver_id == actor.pk), None)
        if mine is None:
            raise PermissionDenied("You are not named as an approver of this requisition.")
        if mine.decision != Decision.PENDING:
            raise DomainError("You have already decided on this requisition.")
        now = timezone.now()
        mine.decision, mine.comment, mine.decided_at = decision, comment, now
        mine.save(update_fields=["decision", "comment", "decided_at"])
        label = Decision(decision).label.lower()
        journal.system(
            requisition,
            text=f"{actor}: {label}." + (f" {comment}" if comment else ""),
            data={"round": current, "decision": decision},
        )
        if decision == Decision.REJECTED:
            requisition.decided_at, requisition.decision_reason = now, comment
            move_status(
                requisition,
                R.REJECTED,
                actor=actor,
                reason=comment,
                also=["decided_at", "decision_reason"],
            )
            notify.send(
                recipients=[requisition.requested_by],
                event="configuration.requisition.rejected",
                title=f"{requisition_label(requisition)} was rejected by {actor}",
                body=(
                    f"Reason: {comment}\n\nContinue with procedure 4 (CI Update): check "
                    "whether the task also asks for existing CI information to be updated."
                ),
                record=requisition,
            )
        elif all(r.decision == Decision.APPROVED for r in rows):
            requisition.decided_at = now
            move_status(
                requisition,
                R.APPROVED,
                actor=actor,
                reason="Approved by every approver.",
                also=["decided_at"],
            )
            notify.send(
                recipients=[requisition.requested_by, *purchasing_agents(requisition)],
                event="configuration.requisition.approved",
                title=f"{requisition_label(requisition)} is approved: it can be ordered",
                body=comment,
                record=requisition,
            )
    return requisition


# --- Ordering and delivery ---------------------------------------------------------------------


def requisition_order(
    *, actor: Person, requisition_id: int, order_reference: str
) -> PurchaseRequisition:
    """Procedure 1: the purchasing agent orders the approved CIs from the selected quote's
    supplier."""
    order_reference = order_reference.strip()
    if not order_reference:
        raise ValidationError({"order_reference": ["Give the purchase order number."]})
    with transaction.atomic():
        requisition = locked_requisition(requisition_id)
        workflows.REQUISITION.check(str(requisition.status), str(R.ORDERED))
        permissions.require(actor, PURCHASE, requisition)
        quote = requisition.quotes.select_related("supplier").filter(selected=True).first()
        if quote is None:
            raise ValidationError({"quote": ["No quote is selected to order from."]})
        fields = _take(requisition, actor)
        requisition.ordered_at = timezone.now()
        requisition.order_reference = order_reference[:100]
        requisition.ordered_from = quote.supplier
        move_status(
            requisition,
            R.ORDERED,
            actor=actor,
            reason=f"Ordered from {quote.supplier} ({order_reference}).",
            also=["ordered_at", "order_reference", "ordered_from", *fields],
        )
        notify.send(
            recipients=[requisition.requested_by],
            event="configuration.requisition.ordered",
            title=f"{requisition_label(requisition)} is ordered from {quote.supplier}",
            body="Check the CIs when they are delivered.",
            record=requisition,
        )
    return requisition


# --- Cancelling ----------------------------------------------------------------------------


def requisition_cancel(*, actor: Person, requisition_id: int, reason: str) -> PurchaseRequisition:
    """Withdraw a requisition that is no longer needed (before it is ordered)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the requisition is cancelled."]})
    if not (permissions.has(actor, CREATE) or permissions.has(actor, PURCHASE)):
        raise PermissionDenied("You may not cancel purchase requisitions.")
    with transaction.atomic():
        requisition = locked_requisition(requisition_id)
        workflows.REQUISITION.check(str(requisition.status), str(R.CANCELLED))
        move_status(requisition, R.CANCELLED, actor=actor, reason=reason)
        recipients = [requisition.requested_by]
        if requisition.submitted_at:
            recipients += purchasing_agents(requisition)
        notify.send(
            recipients=[p for p in recipients if p.pk != actor.pk],
            event="configuration.requisition.cancelled",
            title=f"{requisition_label(requisition)} was cancelled by {actor}",
            body=reason,
            record=requisition,
        )
    return requisition
