"""Contract Administration (seed 003 ch. 4, procedure 5): contracts and licence
certificates with their suppliers and the CIs they cover; licence compliance; expiry.

Procedure 5 first makes sure the supplier is registered with current contact details
(procedure 2), so a contract is only ever made with an organisation of kind "supplier".
Status changes follow ``workflows.CONTRACT`` under the row lock. Two plain functions run
daily: ``contracts_expire_due`` (active contracts past their end date become expired) and
``contract_expiry_reminders`` (the owner is told once per end date).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from steward.configuration import workflows
from steward.configuration.choices import ClassCategory, ContractKind, ContractStatus
from steward.configuration.models import ConfigurationItem, Contract, Relationship
from steward.core import journal, notify, numbering, permissions, roles, transitions, versioning
from steward.core.choices import OrganisationKind, Role
from steward.core.edits import lock_to_edit, reject_unknown, save_changes
from steward.core.models import Organisation, Person

VIEW = "configuration.contract.view"
CHANGE = "configuration.contract.change"
INSTALLED_ON = "installed-on"

C = ContractStatus
EDITABLE_FIELDS = [
    "title", "kind", "supplier", "supplier_reference", "starts_on", "ends_on", "notice_days",
    "remind_days_before", "value", "currency", "owner", "licensed_software", "licence_metric",
    "entitlement", "description",
]  # fmt: skip
LICENCE_FIELDS = ("licensed_software", "licence_metric", "entitlement")


def _check(contract: Contract, *, new_supplier: bool) -> None:
    """The model's own checks and the rules of the contracts form, all reported at once."""
    contract.currency = (contract.currency or "").upper()
    errors: dict[str, list[str]] = defaultdict(list)
    try:
        contract.full_clean(exclude=["number"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors[name].extend(messages)

    def add(name: str, message: str) -> None:
        if name not in errors:  # one message per field: the first problem found
            errors[name].append(message)

    supplier: Organisation | None = contract.supplier if contract.supplier_id else None
    if supplier is not None:
        if supplier.kind != OrganisationKind.SUPPLIER:
            add(
                "supplier", f"{supplier} is not a supplier: register it as one first (procedure 2)."
            )
        elif new_supplier and not supplier.is_active:
            add("supplier", f"{supplier} is no longer an active supplier.")
    if contract.ends_on and contract.starts_on and contract.ends_on < contract.starts_on:
        add("ends_on", "The contract cannot end before it starts.")
    if not (len(contract.currency) == 3 and contract.currency.isalpha()):
        add("currency", "Give a three-letter currency code such as EUR.")
    if isinstance(contract.value, Decimal) and contract.value < 0:
        add("value", "The value cannot be negative.")
    if contract.kind == ContractKind.LICENCE_CERTIFICATE:
        if not contract.licensed_software_id:
            add("licensed_software", "A licence certificate names the software it licenses.")
        elif contract.licensed_software.ci_class.category != ClassCategory.SOFTWARE:
            add("licensed_software", f"{contract.licensed_software} is not software.")
        if not contract.licence_metric:
            add("licence_metric", "Say what the licence counts.")
        if not contract.entitlement:
            add("entitlement", "Say how many the certificate entitles to (at least 1).")
    else:
        for name in LICENCE_FIELDS:
            if getattr(contract, name) not in (None, ""):
                add(name, "Only a licence certificate has this.")
    if contract.owner_id and not contract.owner.is_active:
        add("owner", f"{contract.owner} is no longer active.")
    if errors:
        raise ValidationError(dict(errors))


def _cis(ids: Any) -> list[ConfigurationItem]:
    wanted = list(dict.fromkeys(int(pk) for pk in ids))
    found = {ci.pk: ci for ci in ConfigurationItem.objects.filter(pk__in=wanted)}
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise ValidationError({"cis": [f"Unknown configuration item {pk}." for pk in unknown]})
    return [found[pk] for pk in wanted]


def contract_register(
    *,
    actor: Person,
    title: str,
    kind: str,
    supplier: Organisation,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    status: str = C.ACTIVE,
    supplier_reference: str = "",
    notice_days: int = 0,
    remind_days_before: int = 60,
    value: Decimal | None = None,
    currency: str = "EUR",
    owner: Person | None = None,
    licensed_software: ConfigurationItem | None = None,
    licence_metric: str = "",
    entitlement: int | None = None,
    description: str = "",
    cis: Any = (),
) -> Contract:
    """Register a contract or licence certificate with a registered supplier (procedure 5),
    as a draft or already active, covering ``cis`` (ids)."""
    permissions.require(actor, CHANGE)
    if status not in (C.DRAFT, C.ACTIVE):
        raise ValidationError({"status": ["A new contract is a draft or active."]})
    with transaction.atomic():
        contract = Contract(
            title=title.strip(),
            kind=kind,
            status=status,
            supplier=supplier,
            supplier_reference=supplier_reference,
            starts_on=starts_on,
            ends_on=ends_on,
            notice_days=notice_days,
            remind_days_before=remind_days_before,
            value=value,
            currency=currency,
            owner=owner,
            licensed_software=licensed_software,
            licence_metric=licence_metric,
            entitlement=entitlement,
            description=description,
        )
        _check(contract, new_supplier=True)
        covered = _cis(cis)
        numbering.assign(contract)
        contract.save()
        if covered:
            contract.cis.add(*covered)
        journal.created(contract, actor=actor)
        notify.record_event(record=contract, event="configuration.contract.created", actor=actor)
    return contract


# Read with the contract; only the contract's row is locked: the owner and the software
# are outer joins, which PostgreSQL will not lock.
RELATED = ["supplier", "owner", "licensed_software__ci_class"]


def _not_terminated(contract: Contract) -> None:
    if contract.status == C.TERMINATED:
        raise ValidationError({"status": [f"{contract.number} is terminated: it cannot change."]})


def contract_update(
    *, actor: Person, contract_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Contract:
    """Update a contract or licence certificate (procedure 5); each changed field is in the
    journal. Nothing is written when nothing changes."""
    reject_unknown(data, EDITABLE_FIELDS)
    with transaction.atomic():
        contract = lock_to_edit(
            actor, CHANGE, Contract, contract_id, expected_version, related=RELATED
        )
        _not_terminated(contract)
        old_supplier = contract.supplier_id
        save_changes(
            contract,
            data,
            EDITABLE_FIELDS,
            actor=actor,
            clean=lambda: _check(contract, new_supplier=contract.supplier_id != old_supplier),
        )
    return contract


def _transition(contract: Contract, new: str, *, actor: Person | None, reason: str = "") -> None:
    transitions.transition(
        contract,
        new,
        actor=actor,
        workflow=workflows.CONTRACT,
        reason=reason,
        event=f"configuration.contract.{new}",
        data={"old": contract.status, "new": new},
    )


def contract_activate(*, actor: Person, contract_id: int, reason: str = "") -> Contract:
    """Put a draft contract in force, or renew an expired one once its end date is moved."""
    with transaction.atomic():
        contract = lock_to_edit(actor, CHANGE, Contract, contract_id, related=RELATED)
        workflows.CONTRACT.check(contract.status, C.ACTIVE)
        if contract.ends_on is not None and contract.ends_on < timezone.localdate():
            raise ValidationError(
                {"ends_on": [f"It ended on {contract.ends_on}: move the end date first."]}
            )
        _transition(contract, C.ACTIVE, actor=actor, reason=reason)
    return contract


def contract_terminate(*, actor: Person, contract_id: int, reason: str = "") -> Contract:
    """End a contract before its term (or a draft that will not be signed)."""
    with transaction.atomic():
        contract = lock_to_edit(actor, CHANGE, Contract, contract_id, related=RELATED)
        _transition(contract, C.TERMINATED, actor=actor, reason=reason)
    return contract


def contract_link_cis(*, actor: Person, contract_id: int, ci_ids: Any) -> Contract:
    """Say that the contract covers these CIs (already covered ones are left alone)."""
    return _cover(actor, contract_id, ci_ids, covered=True)


def contract_unlink_cis(*, actor: Person, contract_id: int, ci_ids: Any) -> Contract:
    """The contract no longer covers these CIs."""
    return _cover(actor, contract_id, ci_ids, covered=False)


def _cover(actor: Person, contract_id: int, ci_ids: Any, *, covered: bool) -> Contract:
    """Add (``covered``) or remove CIs the contract covers; what changed is journalled."""
    with transaction.atomic():
        contract = lock_to_edit(actor, CHANGE, Contract, contract_id, related=RELATED)
        _not_terminated(contract)
        if covered:
            present = set(contract.cis.values_list("pk", flat=True))
            changed = [ci for ci in _cis(ci_ids) if ci.pk not in present]
        else:
            changed = list(contract.cis.filter(pk__in=[int(pk) for pk in ci_ids]))
        if changed:
            (contract.cis.add if covered else contract.cis.remove)(*changed)
            versioning.touch(contract)  # the covered CIs are part of the contract
            numbers = ", ".join(ci.number for ci in changed)
            journal.field_changes(
                contract,
                actor=actor,
                changes={"cis": (None, numbers) if covered else (numbers, None)},
            )
    return contract


# --- Licence compliance --------------------------------------------------------------------


class Compliance(models.TextChoices):
    COMPLIANT = "compliant", "Compliant"
    UNDER_LICENSED = "under_licensed", "Under-licensed"
    OVER_LICENSED = "over_licensed", "Over-licensed"


@dataclass
class ComplianceRow:
    software: ConfigurationItem
    entitled: int
    installed: int
    certificates: list[Contract] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.installed > self.entitled:
            return Compliance.UNDER_LICENSED
        if self.installed < self.entitled:
            return Compliance.OVER_LICENSED
        return Compliance.COMPLIANT

    @property
    def status_label(self) -> str:
        return str(Compliance(self.status).label)

    @property
    def difference(self) -> int:
        """Licences to spare (positive) or missing (negative)."""
        return self.entitled - self.installed

    @property
    def metrics(self) -> list[str]:
        return sorted({c.get_licence_metric_display() for c in self.certificates})


def valid_certificates(today: dt.date) -> Any:
    """Licence certificates that count today: active, started and not ended."""
    return Contract.objects.filter(
        kind=ContractKind.LICENCE_CERTIFICATE,
        status=C.ACTIVE,
        licensed_software__isnull=False,
        starts_on__lte=today,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def licence_compliance(
    *, actor: Person, today: dt.date | None = None, software_ids: Any = None
) -> list[ComplianceRow]:
    """For each software CI with licence certificates: entitled (the entitlements of the
    certificates valid today), installed (its current "installed-on" relationships, the
    software being the source) and compliant / under-licensed / over-licensed.

    Empty for people who may not see contracts.
    """
    if not permissions.has(actor, VIEW):
        return []
    today = today or timezone.localdate()
    certificates = Contract.objects.filter(
        kind=ContractKind.LICENCE_CERTIFICATE, licensed_software__isnull=False
    )
    if software_ids is not None:
        certificates = certificates.filter(licensed_software_id__in=list(software_ids))
    ids = set(certificates.values_list("licensed_software_id", flat=True))
    valid = list(valid_certificates(today).filter(licensed_software_id__in=ids).order_by("number"))
    entitled = dict(
        valid_certificates(today)
        .filter(licensed_software_id__in=ids)
        .values("licensed_software_id")
        .annotate(total=Sum("entitlement"))
        .values_list("licensed_software_id", "total")
    )
    installed = dict(
        Relationship.objects.filter(
            source_id__in=ids, type__code=INSTALLED_ON, valid_to__isnull=True
        )
        .values("source_id")
        .annotate(n=Count("pk"))
        .values_list("source_id", "n")
    )
    by_software: dict[int, list[Contract]] = defaultdict(list)
    for certificate in valid:
        by_software[certificate.licensed_software_id].append(certificate)
    software = ConfigurationItem.objects.filter(pk__in=ids).select_related("ci_class")
    return [
        ComplianceRow(
            software=ci,
            entitled=int(entitled.get(ci.pk) or 0),
            installed=int(installed.get(ci.pk) or 0),
            certificates=by_software.get(ci.pk, []),
        )
        for ci in software.order_by("name", "pk")
    ]


# --- Daily: expiry and reminders -------------------------------------------------------------


def contracts_expire_due(today: dt.date | None = None) -> int:
    """Active contracts whose end date has passed become expired (journal, no actor).
    Returns how many expired. Safe to run twice or in parallel: each row is re-read
    under its lock."""
    today = today or timezone.localdate()
    due = list(
        Contract.objects.filter(status=C.ACTIVE, ends_on__lt=today).values_list("pk", flat=True)
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            contract = transitions.lock(Contract, pk)
            if contract.status != C.ACTIVE or contract.ends_on is None or contract.ends_on >= today:
                continue
            _transition(contract, C.EXPIRED, actor=None, reason=f"Ended on {contract.ends_on}.")
            expired += 1
    return expired


def _administrators() -> list[Person]:
    """Configuration administrators who hold the role everywhere."""
    people = roles.holders(Role.CONFIGURATION_ADMINISTRATOR)
    return sorted(people, key=lambda person: (person.last_name, person.pk))


def contract_reminder_recipients(contract: Contract) -> list[Person]:
    """The owner; the configuration administrators when it has no (active) owner."""
    if contract.owner_id and contract.owner.is_active:
        return [contract.owner]
    return _administrators()


def contract_expiry_reminders(today: dt.date | None = None) -> int:
    """Tell the owner of each active contract ending within its ``remind_days_before``
    days, once per end date (``reminded_for_end``): a moved end date is reminded again.
    Returns how many contracts were reminded; a second run the same day sends nothing."""
    today = today or timezone.localdate()
    horizon = Contract.objects.aggregate(m=models.Max("remind_days_before"))["m"] or 0
    candidates = (
        Contract.objects.filter(
            status=C.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + dt.timedelta(days=horizon),
        )
        .exclude(reminded_for_end=models.F("ends_on"))
        .values_list("pk", "ends_on", "remind_days_before")
    )
    due = [pk for pk, ends_on, days in candidates if ends_on - dt.timedelta(days=days) <= today]
    reminded = 0
    for pk in due:
        with transaction.atomic():
            contract = transitions.lock(Contract, pk, related=["owner", "supplier"])
            if (
                contract.status != C.ACTIVE
                or contract.ends_on is None
                or contract.reminded_for_end == contract.ends_on
            ):
                continue
            contract.reminded_for_end = contract.ends_on
            contract.save(update_fields=["reminded_for_end", "updated_at"])
            _remind(contract, today)
            reminded += 1
    return reminded


def _remind(contract: Contract, today: dt.date) -> None:
    ends_on = contract.ends_on
    assert ends_on is not None
    days = (ends_on - today).days
    lines = [
        f"{contract.get_kind_display()} {contract.number} with {contract.supplier} "
        f"ends on {ends_on:%Y-%m-%d} ({days} day{'s' if days != 1 else ''} from now)."
    ]
    if contract.notice_days:
        notice_by = ends_on - dt.timedelta(days=contract.notice_days)
        lines.append(
            f"It needs {contract.notice_days} days' notice to end or renew: "
            f"by {notice_by:%Y-%m-%d}."
        )
    recipients = contract_reminder_recipients(contract)
    notify.send(
        recipients=recipients,
        event="configuration.contract.ending",
        title=f"{contract.number} {contract.title} ends on {ends_on:%Y-%m-%d}",
        body="\n".join(lines),
        record=contract,
    )
    names = ", ".join(str(p) for p in recipients) or "nobody (no owner, no administrator)"
    journal.system(
        contract,
        text=f"Expiry reminder for {ends_on:%Y-%m-%d} sent to {names}.",
        data={"ends_on": ends_on.isoformat()},
    )
