"""Service Activation (seed 003 ch. 11 proc. 2) and SLA termination (proc. 4): agreements
(SLA with a customer, OLA with a support group, underpinning contract with a supplier),
their targets, signatures and termination; and outages of services.

Signing: an SLA needs the customer representative of its customer and the service owner;
an OLA the group coordinator of its group and the service owner; a UC the supplier's
representative and the service owner. All signed -> ACTIVE (an in-design service becomes
active, the SLA's customer subscribes to it). Anyone declines -> NOT_SIGNED with the reason
(proc. 4: why the SLA could not be established).

Termination: ACTIVE -> DISCONTINUED; the agreement's running clocks are cancelled (its
targets are no longer monitored); when the service has no active SLA left (OLAs and UCs do
not count) the service is discontinued too.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import (
    clocks,
    fields,
    journal,
    notify,
    numbering,
    permissions,
    transitions,
    versioning,
)
from steward.core.choices import OrganisationKind, Role
from steward.core.edits import lock_to_edit, reject_unknown, require_state, save_changes
from steward.core.errors import DomainError
from steward.core.models import Organisation, Person, SupportGroup
from steward.core.roles import holders, holds
from steward.service_level import inputs, workflows
from steward.service_level.choices import (
    AGREEMENT_PREFIX,
    AgreementKind,
    AgreementStatus,
    CatalogItemStatus,
    ServiceStatus,
    SignatoryRole,
    Visibility,
)
from steward.service_level.models import (
    Agreement,
    AgreementSignature,
    CatalogItem,
    Outage,
    Service,
    ServiceLevelTarget,
)
from steward.service_level.services import services as service_svc
from steward.service_level.services._common import (
    TARGET_FIELDS,
    administrators,
    build_targets,
    check_duplicate,
    copy_targets,
    target_values,
    validate_target,
)

A = AgreementStatus
K = AgreementKind
R = SignatoryRole
CHANGE = "service_level.agreement.change"
SIGN = "service_level.agreement.sign"

REQUIRED_SIGNATORIES: dict[str, tuple[str, ...]] = {
    K.SLA: (R.CUSTOMER_REPRESENTATIVE, R.SERVICE_OWNER),
    K.OLA: (R.GROUP_COORDINATOR, R.SERVICE_OWNER),
    K.UC: (R.SUPPLIER, R.SERVICE_OWNER),
}
AGREEMENT_FIELDS = [
    "name", "description", "term_start", "term_end", "evaluation_months", "catalog_item",
]  # fmt: skip


# --- Who signs ---------------------------------------------------------------------------


def may_sign_as(person: Person, agreement: Agreement, role: str) -> bool:
    """Whether ``person`` is the party who signs ``agreement`` as ``role``."""
    if role == R.CUSTOMER_REPRESENTATIVE and agreement.customer_id:
        return holds(person, Role.CUSTOMER_REPRESENTATIVE, agreement.customer)
    if role == R.SERVICE_OWNER:
        return agreement.service.owner_id == person.pk or holds(
            person, Role.SERVICE_OWNER, agreement.service
        )
    if role == R.GROUP_COORDINATOR and agreement.support_group_id:
        return holds(person, Role.GROUP_COORDINATOR, agreement.support_group)
    if role == R.SUPPLIER and agreement.supplier_id:
        return person.memberships.filter(organisation_id=agreement.supplier_id).exists()
    return False


def signatories(agreement: Agreement) -> dict[str, list[Person]]:
    """The people who may sign each required role of ``agreement``."""
    found: dict[str, list[Person]] = {}
    for role in REQUIRED_SIGNATORIES[agreement.kind]:
        if role == R.CUSTOMER_REPRESENTATIVE:
            people = holders(Role.CUSTOMER_REPRESENTATIVE, agreement.customer)
        elif role == R.GROUP_COORDINATOR:
            people = holders(Role.GROUP_COORDINATOR, agreement.support_group)
        elif role == R.SUPPLIER:
            people = list(
                Person.objects.filter(
                    memberships__organisation_id=agreement.supplier_id, is_active=True
                ).order_by("pk")
            )
        else:
            owner = agreement.service.owner
            people = holders(Role.SERVICE_OWNER, agreement.service)
            if owner is not None and owner.is_active and owner not in people:
                people.insert(0, owner)
        found[role] = people
    return found


def missing_signatures(agreement: Agreement) -> list[str]:
    """The required roles that have not signed yet."""
    signed = set(agreement.signatures.filter(signed=True).values_list("role", flat=True))
    return [role for role in REQUIRED_SIGNATORIES[agreement.kind] if role not in signed]


# --- Preparing ---------------------------------------------------------------------------


def _check_party(
    kind: str,
    customer: Organisation | None,
    support_group: SupportGroup | None,
    supplier: Organisation | None,
) -> None:
    if kind not in K.values:
        raise ValidationError({"kind": [f"Unknown kind of agreement {kind!r}."]})
    wanted = {K.SLA: "customer", K.OLA: "support_group", K.UC: "supplier"}[kind]
    given = {"customer": customer, "support_group": support_group, "supplier": supplier}
    errors = {
        name: [f"A {K(kind).label.lower()} has no {name.replace('_', ' ')}."]
        for name, value in given.items()
        if name != wanted and value is not None
    }
    if given[wanted] is None:
        errors[wanted] = [f"A {K(kind).label.lower()} needs a {wanted.replace('_', ' ')}."]
    if customer is not None and customer.kind != OrganisationKind.CUSTOMER:
        errors.setdefault("customer", []).append(f"{customer} is not a customer.")
    if supplier is not None and supplier.kind != OrganisationKind.SUPPLIER:
        errors.setdefault("supplier", []).append(f"{supplier} is not a supplier.")
    if errors:
        raise ValidationError(errors)


def _clean(agreement: Agreement) -> None:
    """The rules of the terms, then the model's own checks (the number comes later)."""
    _check_terms(agreement)
    agreement.full_clean(exclude=["number"])


def _check_terms(agreement: Agreement) -> None:
    errors: dict[str, list[str]] = {}
    if agreement.term_end and agreement.term_start and agreement.term_end < agreement.term_start:
        errors["term_end"] = ["The term cannot end before it starts."]
    if not agreement.evaluation_months or agreement.evaluation_months < 1:
        errors["evaluation_months"] = ["An evaluation term is at least one month."]
    item = agreement.catalog_item
    if item is not None:
        if item.service_id != agreement.service_id:
            errors["catalog_item"] = ["The catalog item is for another service."]
        elif item.status != CatalogItemStatus.PUBLISHED:
            errors["catalog_item"] = ["Only a published catalog item can be subscribed to."]
        elif item.visibility == Visibility.PRIVATE and item.customer_id != agreement.customer_id:
            errors["catalog_item"] = ["This one-off catalog item is for another customer."]
    if errors:
        raise ValidationError(errors)


def agreement_create(
    *,
    actor: Person,
    kind: str,
    service: Service,
    name: str,
    customer: Organisation | None = None,
    support_group: SupportGroup | None = None,
    supplier: Organisation | None = None,
    catalog_item: CatalogItem | None = None,
    term_start: date,
    term_end: date | None = None,
    evaluation_months: int = 3,
    description: str = "",
    targets: list[Mapping[str, Any]] | None = None,
) -> Agreement:
    """Prepare a new agreement (a draft awaiting signatures) with its targets.

    Without ``targets`` an agreement for a catalog item takes the item's targets.
    """
    permissions.require(actor, CHANGE)
    _check_party(kind, customer, support_group, supplier)
    if service.status == ServiceStatus.DISCONTINUED:
        raise ValidationError({"service": ["The service is discontinued."]})
    with transaction.atomic():
        agreement = Agreement(
            kind=kind,
            name=name.strip(),
            service=service,
            catalog_item=catalog_item,
            customer=customer,
            support_group=support_group,
            supplier=supplier,
            term_start=term_start,
            term_end=term_end,
            evaluation_months=evaluation_months,
            description=description,
        )
        _clean(agreement)
        numbering.assign(agreement, prefix=AGREEMENT_PREFIX[K(kind)])
        agreement.save()
        if targets is None and catalog_item is not None:
            targets = copy_targets(catalog_item.targets.all())
        for target in build_targets(targets or [], agreement=agreement):
            target.save()
        journal.created(agreement, actor=actor)
        notify.record_event(record=agreement, event="service_level.agreement.created", actor=actor)
        notify.send(
            recipients=[p for people in signatories(agreement).values() for p in people],
            event="service_level.agreement.signature_requested",
            title=f"{agreement.number} {agreement.name} awaits your signature",
            body=f"Prepared by {actor} for {agreement.service}.",
            record=agreement,
        )
    return agreement


def _editable(agreement: Agreement) -> None:
    """Only an unsigned draft may change: a signature covers what was signed."""
    require_state(agreement, A.DRAFT, "agreement")
    if agreement.signatures.exists():
        raise DomainError(f"{agreement.number} has signatures; it cannot change any more.")


def agreement_update(
    *,
    actor: Person,
    agreement_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Agreement:
    """Change a draft agreement's name, description, terms or catalog item."""
    reject_unknown(data, AGREEMENT_FIELDS)
    with transaction.atomic():
        agreement = lock_to_edit(actor, CHANGE, Agreement, agreement_id, expected_version)
        _editable(agreement)
        save_changes(
            agreement, data, AGREEMENT_FIELDS, actor=actor, clean=lambda: _clean(agreement)
        )
    return agreement


# --- Targets -----------------------------------------------------------------------------


def _lock_owner(
    actor: Person, agreement_id: int | None, catalog_item_id: int | None
) -> dict[str, Any]:
    """Lock the target's agreement or catalog item and check it may change."""
    if (agreement_id is None) == (catalog_item_id is None):
        raise ValidationError(
            {"agreement": ["A target belongs to one agreement or one catalog item."]}
        )
    if agreement_id is not None:
        agreement = lock_to_edit(actor, CHANGE, Agreement, agreement_id)
        _editable(agreement)
        return {"agreement": agreement}
    item = lock_to_edit(actor, "service_level.catalog.change", CatalogItem, catalog_item_id)
    if item.status != CatalogItemStatus.DRAFT:
        raise DomainError(f"Only a draft catalog item's targets can change; {item.number} is not.")
    return {"catalog_item": item}


def target_add(
    *,
    actor: Person,
    agreement_id: int | None = None,
    catalog_item_id: int | None = None,
    kind: str,
    priority: str = "",
    target_seconds: int | None = None,
    target_percent: Any = None,
    target_count: int | None = None,
    warning_percent: int = 75,
    description: str = "",
) -> ServiceLevelTarget:
    """Add a service level target to a draft agreement or draft catalog item."""
    with transaction.atomic():
        owner = _lock_owner(actor, agreement_id, catalog_item_id)
        values = target_values(
            {
                "kind": kind,
                "priority": priority,
                "target_seconds": target_seconds,
                "target_percent": target_percent,
                "target_count": target_count,
                "warning_percent": warning_percent,
                "description": description,
            }
        )
        target = ServiceLevelTarget(**owner, **values)
        validate_target(target)
        (record,) = owner.values()
        check_duplicate(target, record.targets.all())
        target.save()
        journal.system(record, text=f"Target added: {target}.", data={"target": target.pk})
    return target


def target_update(
    *, actor: Person, target_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> ServiceLevelTarget:
    reject_unknown(data, TARGET_FIELDS)
    with transaction.atomic():
        target = ServiceLevelTarget.objects.get(pk=target_id)
        owner = _lock_owner(actor, target.agreement_id, target.catalog_item_id)
        target = transitions.lock(ServiceLevelTarget, target_id)
        versioning.check(target, expected_version)
        values = target_values({**{f: getattr(target, f) for f in TARGET_FIELDS}, **data})
        changes = journal.apply_changes(target, values, TARGET_FIELDS)
        if changes:
            validate_target(target)
            (record,) = owner.values()
            check_duplicate(target, record.targets.all())
            target.save()
            journal.system(
                record,
                text=f"Target changed: {target}.",
                data={
                    "target": target.pk,
                    "changes": {k: [str(o), str(n)] for k, (o, n) in changes.items()},
                },
            )
    return target


def target_remove(*, actor: Person, target_id: int) -> None:
    with transaction.atomic():
        target = ServiceLevelTarget.objects.get(pk=target_id)
        owner = _lock_owner(actor, target.agreement_id, target.catalog_item_id)
        (record,) = owner.values()
        label = str(target)
        target.delete()
        journal.system(record, text=f"Target removed: {label}.", data={"target": target_id})


# --- Signing -----------------------------------------------------------------------------


def agreement_sign(
    *,
    actor: Person,
    agreement_id: int,
    role: str,
    signed: bool,
    comment: str = "",
    person_id: int | None = None,
) -> Agreement:
    """Record one party's signature (or refusal) of a draft agreement.

    A party signs for themselves; a service level administrator records a signature given
    on paper with ``person_id``. All required signatures -> ACTIVE; a refusal -> NOT_SIGNED.
    """
    inputs.SIGN.check(actor, fields.given(person=person_id if person_id != actor.pk else None))
    comment = comment.strip()
    if not signed and not comment:
        raise ValidationError({"comment": ["Say why the agreement is not signed."]})
    with transaction.atomic():
        agreement = lock_to_edit(actor, SIGN, Agreement, agreement_id)
        workflows.AGREEMENT.check(str(agreement.status), str(A.ACTIVE if signed else A.NOT_SIGNED))
        if role not in REQUIRED_SIGNATORIES[agreement.kind]:
            raise ValidationError(
                {"role": [f"A {K(agreement.kind).label.lower()} is not signed by that role."]}
            )
        if person_id is not None and person_id != actor.pk:
            # On paper: only the administrators who keep the signed copies record it.
            permissions.require(actor, CHANGE, agreement)
            signer = Person.objects.filter(pk=person_id).first()
            if signer is None or not may_sign_as(signer, agreement, role):
                raise ValidationError(
                    {"person_id": [f"This person does not sign as {R(role).label.lower()}."]}
                )
        else:
            signer = actor
            if not may_sign_as(actor, agreement, role):
                raise PermissionDenied(f"You do not sign as {R(role).label.lower()}.")
        if agreement.signatures.filter(role=role, signed=True).exists():
            raise ValidationError({"role": [f"{R(role).label} has already signed."]})
        AgreementSignature.objects.create(
            agreement=agreement, role=role, person=signer, signed=signed, comment=comment
        )
        verb = "signed" if signed else "declined to sign"
        on_behalf = f" (recorded by {actor})" if signer.pk != actor.pk else ""
        journal.system(
            agreement,
            text=f"{signer} {verb} as {R(role).label.lower()}{on_behalf}."
            + (f" {comment}" if comment else ""),
            data={"role": role, "person": signer.pk, "signed": signed},
        )
        if not signed:
            _set_status(agreement, A.NOT_SIGNED, actor=actor, reason=comment)
            _tell_parties(agreement, title=f"{agreement.number} was not signed", body=comment)
        elif not missing_signatures(agreement):
            _activate(agreement, actor=actor)
    return agreement


def _set_status(agreement: Agreement, new: str, *, actor: Person, reason: str = "") -> None:
    # The parties read why (a declined signature's comment, the termination reason):
    # inputs.SIGN and inputs.AGREEMENT_TERMINATE say so where they are typed.
    transitions.transition(
        agreement,
        new,
        actor=actor,
        workflow=workflows.AGREEMENT,
        reason=reason,
        public=True,
        also=["signed_at", "terminated_at", "termination_reason"],
        event=f"service_level.agreement.{new}",
        data={"old": agreement.status, "new": new, "reason": reason, "kind": agreement.kind},
    )


def _tell_parties(agreement: Agreement, *, title: str, body: str = "") -> None:
    people = [p for group in signatories(agreement).values() for p in group]
    notify.send(
        recipients=[*people, *administrators()],
        event=f"service_level.agreement.{agreement.status}",
        title=title,
        body=body,
        record=agreement,
    )


def _activate(agreement: Agreement, *, actor: Person) -> None:
    """All parties signed: the SLTs are monitored from now on."""
    agreement.signed_at = timezone.now()
    _set_status(agreement, A.ACTIVE, actor=actor, reason="Signed by every party.")
    service = transitions.lock(Service, agreement.service_id)
    if service.status == ServiceStatus.IN_DESIGN:
        service_svc.transition(
            service,
            ServiceStatus.ACTIVE,
            actor=actor,
            reason=f"{agreement.number} signed.",
        )
    if agreement.kind == K.SLA:
        service.customers.add(agreement.customer)
    _tell_parties(agreement, title=f"{agreement.number} {agreement.name} is signed and active")


# --- Termination (proc. 4) -----------------------------------------------------------------


def agreement_terminate(*, actor: Person, agreement_id: int, reason: str) -> Agreement:
    """Discontinue an active agreement: its targets are no longer monitored, and a service
    left without any active SLA is discontinued too."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the agreement ends."]})
    with transaction.atomic():
        agreement = lock_to_edit(actor, CHANGE, Agreement, agreement_id)
        workflows.AGREEMENT.check(str(agreement.status), str(A.DISCONTINUED))
        agreement.terminated_at = timezone.now()
        agreement.termination_reason = reason
        _set_status(agreement, A.DISCONTINUED, actor=actor, reason=reason)
        cancelled = clocks.clocks_cancel_for_agreement(
            agreement_id=agreement.pk, reason=f"{agreement.number} terminated."
        )
        if cancelled:
            journal.system(
                agreement,
                text=f"{cancelled} running clock(s) cancelled.",
                data={"clocks": cancelled},
            )
        if agreement.kind == K.SLA:
            # Locked before counting, so two last SLAs ending together both see the other.
            service = transitions.lock(Service, agreement.service_id)
            others = Agreement.objects.filter(service=service, kind=K.SLA, status=A.ACTIVE).exclude(
                pk=agreement.pk
            )
            if not others.exists() and service.status != ServiceStatus.DISCONTINUED:
                service_svc.transition(
                    service,
                    ServiceStatus.DISCONTINUED,
                    actor=actor,
                    reason=f"No active SLA left after {agreement.number} was terminated.",
                )
        _tell_parties(agreement, title=f"{agreement.number} {agreement.name} is terminated",
                      body=reason)  # fmt: skip
    return agreement


# --- Outages -------------------------------------------------------------------------------


def outage_record(
    *,
    actor: Person,
    service_id: int,
    started_at: datetime,
    ended_at: datetime | None = None,
    degraded: bool = False,
    planned: bool = False,
    description: str = "",
    source_reference: str = "",
) -> Outage:
    """Record a period the service was down (or degraded) for its customers."""
    with transaction.atomic():
        service = Service.objects.get(pk=service_id)
        permissions.require(actor, "service_level.outage.change", service)
        if ended_at is not None and started_at is not None and ended_at < started_at:
            raise ValidationError({"ended_at": ["An outage cannot end before it starts."]})
        outage = Outage(
            service=service,
            started_at=started_at,
            ended_at=ended_at,
            degraded=degraded,
            planned=planned,
            description=description,
            source_reference=source_reference.strip(),
        )
        outage.full_clean()
        outage.save()
        kind = "Degraded service" if degraded else "Outage"
        until = f" to {ended_at:%Y-%m-%d %H:%M}" if ended_at else " (ongoing)"
        journal.system(
            service,
            text=f"{kind} recorded from {started_at:%Y-%m-%d %H:%M}{until}.",
            data={"outage": outage.pk},
        )
        notify.record_event(
            record=service,
            event="service_level.service.outage_recorded",
            actor=actor,
            data={
                "outage": outage.pk,
                "started_at": started_at.isoformat(),
                "ended_at": ended_at.isoformat() if ended_at else None,
                "degraded": degraded,
                "planned": planned,
            },
        )
    return outage


def active_slas(service: Service) -> Iterable[Agreement]:
    """The service's active SLAs (the ones that keep it alive, proc. 4)."""
    return Agreement.objects.filter(service=service, kind=K.SLA, status=A.ACTIVE)
