"""Service Catalog Maintenance (seed 003 ch. 11 proc. 1) and catalog item discontinuation
(proc. 4).

A service level administrator prepares a catalog item from the Catalog Item Template or by
copying a similar item, then gets it approved. Submitting opens an approval round with
"slots": the service owner; one per target customer for its service level manager(s)
(those limited to that organisation, else the ones for every customer); the financial
manager(s). Any approver in a slot satisfies it. All slots approved -> APPROVED. An
"adjust" decision sends the item back to DRAFT (a later submit opens a new round). A
"rejected" decision leaves it IN_APPROVAL but it can no longer be approved in that round:
the administrator fails it with the reason (proc. 4) or revises it. An approved item is
published in the web catalog; a private (one-off) item only for its customer.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, notify, numbering, permissions, transitions, versioning
from steward.core.choices import OrganisationKind, Role
from steward.core.edits import lock_to_edit, reject_unknown, require_state, save_changes, save_new
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import Organisation, Person
from steward.core.roles import holders
from steward.service_level import workflows
from steward.service_level.choices import (
    ApprovalDecision,
    ApprovalRole,
    CatalogItemStatus,
    ServiceStatus,
    Visibility,
)
from steward.service_level.models import CatalogApproval, CatalogItem, CatalogItemTemplate, Service
from steward.service_level.services._common import administrators, build_targets, copy_targets

C = CatalogItemStatus
D = ApprovalDecision
CHANGE = "service_level.catalog.change"
APPROVE = "service_level.catalog.approve"

ITEM_FIELDS = [
    "name", "service", "summary", "description", "category", "visibility", "customer",
    "charge", "charge_unit", "request_instructions",
]  # fmt: skip
_COPIED_FIELDS = [
    "summary", "description", "category", "charge", "charge_unit", "request_instructions",
]  # fmt: skip
TEMPLATE_FIELDS = ["name", "summary", "description", "default_targets", "is_active"]


# --- Preparing ---------------------------------------------------------------------------


def _check_visibility(item: CatalogItem) -> None:
    if item.visibility not in Visibility.values:
        raise ValidationError({"visibility": [f"Unknown visibility {item.visibility!r}."]})
    if item.visibility == Visibility.PRIVATE and item.customer is None:
        raise ValidationError({"customer": ["A private (one-off) item is for one customer."]})
    if item.visibility == Visibility.PUBLIC and item.customer is not None:
        raise ValidationError({"customer": ["A public item is not for one customer."]})
    if item.customer is not None and item.customer.kind != OrganisationKind.CUSTOMER:
        raise ValidationError({"customer": [f"{item.customer} is not a customer."]})
    if item.service.status == ServiceStatus.DISCONTINUED:
        raise ValidationError({"service": ["The service is discontinued."]})


def _set_target_customers(item: CatalogItem, customers: Iterable[Organisation]) -> list[str]:
    chosen = {c.pk: c for c in customers}
    # A one-off item is prepared for its customer: their service level manager approves.
    if item.customer is not None:
        chosen.setdefault(item.customer.pk, item.customer)
    not_customers = [str(c) for c in chosen.values() if c.kind != OrganisationKind.CUSTOMER]
    if not_customers:
        raise ValidationError(
            {"target_customers": [f"Not a customer: {', '.join(sorted(not_customers))}."]}
        )
    item.target_customers.set(chosen.values())
    return sorted(str(c) for c in chosen.values())


def _replace_targets(item: CatalogItem, specs: Iterable[Mapping[str, Any]]) -> None:
    targets = build_targets(list(specs), catalog_item=item)
    item.targets.all().delete()
    for target in targets:
        target.save()


def catalog_item_create(
    *,
    actor: Person,
    service: Service,
    name: str,
    template: CatalogItemTemplate | None = None,
    copy_of: CatalogItem | None = None,
    visibility: str = Visibility.PUBLIC,
    customer: Organisation | None = None,
    target_customers: Iterable[Organisation] = (),
    summary: str = "",
    description: str = "",
    category: str = "",
    charge: Decimal | None = None,
    charge_unit: str = "",
    request_instructions: str = "",
    targets: list[Mapping[str, Any]] | None = None,
) -> CatalogItem:
    """Prepare a new catalog item (a draft) from the template or by copying a similar item.

    Fields left empty are taken from the template (summary, description, default targets)
    or from the copied item (texts, charge, targets, target customers).
    """
    permissions.require(actor, CHANGE)
    if template is not None and copy_of is not None:
        raise ValidationError({"copy_of": ["Start from the template or from a copy, not both."]})
    if template is not None and not template.is_active:
        raise ValidationError({"template": ["This template is no longer used."]})
    values: dict[str, Any] = {
        "summary": summary,
        "description": description,
        "category": category,
        "charge": charge,
        "charge_unit": charge_unit,
        "request_instructions": request_instructions,
    }
    target_customers = list(target_customers)
    if template is not None:
        values["summary"] = summary or template.summary
        values["description"] = description or template.description
        if targets is None:
            targets = list(template.default_targets or [])
    if copy_of is not None:
        for name_ in _COPIED_FIELDS:
            if values[name_] in ("", None):
                values[name_] = getattr(copy_of, name_)
        if targets is None:
            targets = copy_targets(copy_of.targets.all())
        if not target_customers:
            target_customers = list(copy_of.target_customers.all())
    with transaction.atomic():
        item = CatalogItem(
            name=name.strip(),
            service=service,
            visibility=visibility,
            customer=customer,
            template=template,
            copied_from=copy_of,
            status=C.DRAFT,
            **values,
        )
        _check_visibility(item)
        item.full_clean(exclude=["number"])
        numbering.assign(item)
        item.save()
        _set_target_customers(item, target_customers)
        _replace_targets(item, targets or [])
        origin = (
            f" from template {template}"
            if template
            else f" as a copy of {copy_of.number}"
            if copy_of
            else ""
        )
        journal.created(item, actor=actor, summary=f"{item.name}{origin}")
        notify.record_event(record=item, event="service_level.catalog_item.created", actor=actor)
    return item


def catalog_item_update(
    *,
    actor: Person,
    item_id: int,
    data: Mapping[str, Any],
    targets: list[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
) -> CatalogItem:
    """Adjust a draft item (after an "adjust" decision, or before submitting it).
    ``targets``, when given, replace the item's targets."""
    reject_unknown(data, [*ITEM_FIELDS, "target_customers"])
    with transaction.atomic():
        item = lock_to_edit(actor, CHANGE, CatalogItem, item_id, expected_version)
        require_state(item, C.DRAFT, "catalog item")
        changes = journal.apply_changes(item, data, ITEM_FIELDS)
        if "name" in changes:
            item.name = item.name.strip()
        _check_visibility(item)
        item.full_clean(exclude=["number"])
        item.save()
        if "target_customers" in data or "customer" in changes:
            current = list(item.target_customers.all())
            old = sorted(str(c) for c in current)
            if "target_customers" in data:
                wanted = list(data["target_customers"])
            else:
                # The one-off item moved to another customer: the old one no longer approves.
                previous = changes["customer"][0]
                wanted = [c for c in current if previous is None or c.pk != previous.pk]
            new = _set_target_customers(item, wanted)
            if old != new:
                changes["target_customers"] = (", ".join(old), ", ".join(new))
        if targets is not None:
            old_targets = sorted(str(t) for t in item.targets.all())
            _replace_targets(item, targets)
            new_targets = sorted(str(t) for t in item.targets.all())
            changes["targets"] = (", ".join(old_targets), ", ".join(new_targets))
        journal.field_changes(item, actor=actor, changes=changes)
    return item


# --- Approval ----------------------------------------------------------------------------


@dataclass
class Slot:
    """One signature the item needs: any of ``approvers`` may give it."""

    role: str
    customer: Organisation | None = None
    approvers: list[Person] = field(default_factory=list)

    @property
    def label(self) -> str:
        name = ApprovalRole(self.role).label.lower()
        return f"{name} of {self.customer}" if self.customer else name


def approval_slots(item: CatalogItem) -> list[Slot]:
    """Who must approve the item (seed 003 ch. 11 proc. 1), slot by slot."""
    service = item.service
    owners = holders(Role.SERVICE_OWNER, service)
    if service.owner is not None and service.owner.is_active:
        owners = [service.owner, *[p for p in owners if p.pk != service.owner_id]]
    slots = [Slot(ApprovalRole.SERVICE_OWNER, None, owners)]
    global_managers: list[Person] | None = None
    for customer in item.target_customers.order_by("name"):
        managers = holders(Role.SERVICE_LEVEL_MANAGER, customer)
        if not managers:
            if global_managers is None:
                global_managers = holders(Role.SERVICE_LEVEL_MANAGER)
            managers = global_managers
        slots.append(Slot(ApprovalRole.SERVICE_LEVEL_MANAGER, customer, managers))
    slots.append(Slot(ApprovalRole.FINANCIAL_MANAGER, None, holders(Role.FINANCIAL_MANAGER)))
    return slots


def _slot_satisfied(slot: Slot, approved: list[CatalogApproval]) -> bool:
    for row in approved:
        if row.role != slot.role:
            continue
        if slot.customer is None or row.for_customer_id == slot.customer.pk:
            return True
        # A manager approving for several customers has one row without a customer.
        if row.for_customer_id is None and any(p.pk == row.approver_id for p in slot.approvers):
            return True
    return False


def pending_slots(item: CatalogItem) -> list[Slot]:
    """The slots of the current round that nobody has approved yet."""
    approved = list(item.approvals.filter(round=item.approval_round, decision=D.APPROVED))
    return [slot for slot in approval_slots(item) if not _slot_satisfied(slot, approved)]


def _move(
    item: CatalogItem, new: str, *, actor: Person | None, reason: str = "", also: Iterable[str] = ()
) -> str:
    """Move a locked item to ``new``: saved with ``also``, journalled, published."""
    return transitions.transition(
        item,
        new,
        actor=actor,
        workflow=workflows.CATALOG_ITEM,
        reason=reason,
        also=also,
        event=f"service_level.catalog_item.{new}",
        data={"old": item.status, "new": new, "reason": reason, "round": item.approval_round},
    )


def catalog_item_submit(*, actor: Person, item_id: int) -> CatalogItem:
    """Ask for the approval signatures: opens the next round and tells each approver."""
    with transaction.atomic():
        item = lock_to_edit(actor, CHANGE, CatalogItem, item_id, related=["service"])
        workflows.CATALOG_ITEM.check(str(item.status), str(C.IN_APPROVAL))
        slots = approval_slots(item)
        missing = [slot.label for slot in slots if not slot.approvers]
        if missing:
            raise ValidationError(
                {"approvers": [f"Nobody can approve as {label}." for label in missing]}
            )
        item.approval_round += 1
        # One row per approver and role; a manager covering several customers gets one row.
        customers: dict[tuple[int, str], list[Organisation | None]] = defaultdict(list)
        people: dict[int, Person] = {}
        for slot in slots:
            for person in slot.approvers:
                people[person.pk] = person
                customers[(person.pk, slot.role)].append(slot.customer)
        CatalogApproval.objects.bulk_create(
            CatalogApproval(
                catalog_item=item,
                round=item.approval_round,
                role=role,
                approver=people[pk],
                for_customer=custs[0] if len(custs) == 1 else None,
            )
            for (pk, role), custs in customers.items()
        )
        item.failure_reason = ""
        _move(
            item,
            C.IN_APPROVAL,
            actor=actor,
            reason=f"Approval round {item.approval_round}.",
            also=["approval_round", "failure_reason"],
        )
        notify.send(
            recipients=people.values(),
            event="service_level.catalog_item.approval_requested",
            title=f"Please approve catalog item {item.number} {item.name}",
            body=f"{actor} asks for your approval (round {item.approval_round}).",
            record=item,
        )
    return item


def catalog_item_decide(
    *, actor: Person, item_id: int, decision: str, comment: str = ""
) -> CatalogItem:
    """An approver's signature (or not) on the current round.

    approved: the approver's slot(s) are satisfied; all satisfied -> APPROVED.
    adjust: back to DRAFT with the comment for the administrator to adjust and resubmit.
    rejected: stays IN_APPROVAL but cannot be approved in this round.
    """
    if decision not in (D.APPROVED, D.ADJUST, D.REJECTED):
        raise ValidationError({"decision": ["Choose approved, adjust or rejected."]})
    comment = comment.strip()
    if decision != D.APPROVED and not comment:
        raise ValidationError({"comment": ["Say what must change or why you reject it."]})
    with transaction.atomic():
        item = transitions.lock(CatalogItem, item_id, related=["service"])
        permissions.require(actor, APPROVE)
        if item.status != C.IN_APPROVAL:
            raise InvalidTransition(workflows.CATALOG_ITEM.name, item.status, decision)
        rows = list(item.approvals.filter(round=item.approval_round))
        mine = [r for r in rows if r.approver_id == actor.pk]
        if not mine:
            raise PermissionDenied("You are not an approver of this approval round.")
        if all(r.decision != D.PENDING for r in mine):
            raise DomainError("You have already decided in this approval round.")
        if any(r.decision == D.REJECTED for r in rows):
            raise DomainError(
                "This approval round was rejected; the administrator fails or revises the item."
            )
        now = timezone.now()
        for row in mine:
            if row.decision == D.PENDING:
                row.decision, row.comment, row.decided_at = decision, comment, now
                row.save(update_fields=["decision", "comment", "decided_at"])
        roles = ", ".join(sorted({ApprovalRole(r.role).label.lower() for r in mine}))
        label = D(decision).label.lower()
        journal.system(
            item,
            text=f"{actor} ({roles}): {label}." + (f" {comment}" if comment else ""),
            data={"round": item.approval_round, "decision": decision},
        )
        notify.record_event(
            record=item,
            event="service_level.catalog_item.decided",
            actor=actor,
            data={"round": item.approval_round, "decision": decision, "comment": comment},
        )
        title = f"{item.number} {item.name}: {actor} {label}"
        if decision == D.ADJUST:
            _move(item, C.DRAFT, actor=actor, reason=comment)
            title = f"{item.number} {item.name}: adjustments requested by {actor}"
        elif decision == D.APPROVED and not pending_slots(item):
            _move(item, C.APPROVED, actor=actor, reason="Approved by every approver.")
            title = f"{item.number} {item.name} is approved: ready to publish"
        notify.send(
            recipients=administrators(),
            event="service_level.catalog_item.decided",
            title=title,
            body=comment,
            record=item,
        )
    return item


# --- Publishing, failure, revision, discontinuation ---------------------------------------


def _transition(
    item_id: int,
    new: str,
    *,
    actor: Person,
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> CatalogItem:
    extra = extra or {}
    with transaction.atomic():
        item = lock_to_edit(actor, CHANGE, CatalogItem, item_id)
        for name, value in extra.items():
            setattr(item, name, value)
        _move(item, new, actor=actor, reason=reason, also=extra)
    return item


def catalog_item_publish(*, actor: Person, item_id: int) -> CatalogItem:
    """Add an approved item to the web-based service catalog (private: its customer only)."""
    return _transition(item_id, C.PUBLISHED, actor=actor, extra={"published_at": timezone.now()})


def catalog_item_fail(*, actor: Person, item_id: int, reason: str) -> CatalogItem:
    """The approvers could not reach an agreement: record why the item failed (proc. 4)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the catalog item could not be created."]})
    return _transition(
        item_id, C.FAILED, actor=actor, reason=reason, extra={"failure_reason": reason}
    )


def catalog_item_revise(*, actor: Person, item_id: int) -> CatalogItem:
    """Take an item back to draft to adjust it (after a rejection, or a failed item)."""
    return _transition(item_id, C.DRAFT, actor=actor)


def catalog_item_discontinue(*, actor: Person, item_id: int, reason: str = "") -> CatalogItem:
    """Take an item out of the catalog (proc. 4); it stays on record."""
    return _transition(
        item_id,
        C.DISCONTINUED,
        actor=actor,
        reason=reason.strip(),
        extra={"discontinued_at": timezone.now()},
    )


# --- Templates ---------------------------------------------------------------------------


def _clean_template(template: CatalogItemTemplate) -> None:
    if not isinstance(template.default_targets, list):
        raise ValidationError({"default_targets": ["A list of targets."]})
    try:
        # Validated against a throwaway owner: the same rules as real targets.
        build_targets(template.default_targets, catalog_item=CatalogItem(pk=0))
    except ValidationError as exc:
        raise ValidationError({"default_targets": exc.message_dict["targets"]}) from None
    template.full_clean()


def catalog_item_template_create(*, actor: Person, **data: Any) -> CatalogItemTemplate:
    """Register a Catalog Item Template with its default targets."""
    permissions.require(actor, CHANGE)
    reject_unknown(data, TEMPLATE_FIELDS)
    with transaction.atomic():
        template = CatalogItemTemplate(**data)
        return save_new(template, actor=actor, clean=lambda: _clean_template(template))


def catalog_item_template_update(
    *, actor: Person, template_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> CatalogItemTemplate:
    reject_unknown(data, TEMPLATE_FIELDS)
    with transaction.atomic():
        template = transitions.lock(CatalogItemTemplate, template_id)
        permissions.require(actor, CHANGE)
        versioning.check(template, expected_version)
        save_changes(
            template, data, TEMPLATE_FIELDS, actor=actor, clean=lambda: _clean_template(template)
        )
    return template
