"""CI Registration (seed 003 ch. 4, procedure 3) of ordered CIs: the delivery check and
the registration of the delivered CIs.

On delivery the configuration administrator checks each line (complete, damaged, missing,
wrong). An incomplete delivery is reported to the supplier and the change coordinator is
told of the delay through the line items (``expected_on``); a complete one is reported to
the purchasing agent, who (or the configuration administrator) has the delivered CIs
registered in the CMDB (in stock, with their serial numbers, caused by the requisition
number) and linked to their line items.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.configuration import workflows
from steward.configuration.choices import CIStatus, DeliveryStatus
from steward.configuration.models import (
    CIClass,
    ConfigurationItem,
    PurchaseLineItem,
    PurchaseRequisition,
    RelationshipType,
)
from steward.configuration.services import cis as cmdb
from steward.configuration.services.requisitions import (
    CHECKED,
    CREATE,
    PURCHASE,
    R,
    locked_requisition,
    move_status,
    purchasing_agents,
    requisition_label,
)
from steward.core import journal, notify, permissions
from steward.core.edits import lock_to_edit
from steward.core.errors import DomainError
from steward.core.models import Person


def _line_result(line: PurchaseLineItem, spec: Mapping[str, Any], today: dt.date) -> list[str]:
    """Apply one line's check to ``line``; return the problems found with the input."""
    problems: list[str] = []
    status = spec.get("delivery_status")
    if status not in CHECKED:
        return [f"choose one of {', '.join(CHECKED)}."]
    received = spec.get("received_quantity")
    if status == DeliveryStatus.COMPLETE:
        received = line.quantity if received in (None, "") else received
    try:
        received = int(received if received not in (None, "") else 0)
    except (TypeError, ValueError):
        return ["the received quantity is a whole number."]
    expected_on = spec.get("expected_on")
    if isinstance(expected_on, str) and expected_on:
        try:
            expected_on = dt.date.fromisoformat(expected_on)
        except ValueError:
            return ["the expected date is a date (YYYY-MM-DD)."]
    if status == DeliveryStatus.COMPLETE:
        if received != line.quantity:
            problems.append(f"complete means all {line.quantity} arrived undamaged.")
        expected_on = None
    else:
        if not 0 <= received < line.quantity:
            problems.append(
                f"between 0 and {line.quantity - 1} can have arrived in good condition."
            )
        if not expected_on:
            problems.append("say when the rest is now expected (ask the supplier).")
        elif expected_on < today:
            problems.append("the rest cannot be expected in the past.")
    if problems:
        return problems
    line.delivery_status = status
    line.received_quantity = received
    line.delivery_note = str(spec.get("note") or "").strip()
    line.expected_on = expected_on or None
    return []


def delivery_check(
    *, actor: Person, requisition_id: int, lines: Sequence[Mapping[str, Any]]
) -> PurchaseRequisition:
    """Procedure 3: the configuration administrator checks the delivered CIs line by line
    (right items, none missing, none damaged).

    ``lines``: ``{"line": id, "delivery_status": complete|damaged|missing|wrong,
    "received_quantity": n, "note": "", "expected_on": date}``; every line not yet
    complete must be checked. Incomplete: the supplier is informed and the change
    coordinator is told of the delay through the line items. Complete: the purchasing
    agent is told, so the CIs get registered.
    """
    with transaction.atomic():
        requisition = lock_to_edit(actor, CREATE, PurchaseRequisition, requisition_id)
        if requisition.status not in (R.ORDERED, R.DELIVERY_INCOMPLETE):
            raise DomainError(
                f"{requisition.number} is {R(requisition.status).label.lower()}: only an "
                "ordered requisition's delivery is checked."
            )
        by_id = {line.pk: line for line in requisition.lines.select_for_update()}
        checked = _checked_lines(by_id, lines, timezone.localdate())
        _record_check(requisition, checked)
        short = sorted(
            (line for line in by_id.values() if line.delivery_status != DeliveryStatus.COMPLETE),
            key=lambda line: line.position,
        )
        if short:
            _delivery_incomplete(requisition, actor, short)
        else:
            _delivered_complete(requisition, actor)
    return requisition


def _checked_lines(
    by_id: Mapping[int, PurchaseLineItem], lines: Sequence[Mapping[str, Any]], today: dt.date
) -> list[PurchaseLineItem]:
    """Apply each line's check to its line item (in memory), in position order; a
    ValidationError names every problem, including lines left unchecked."""
    errors: list[str] = []
    seen: set[int] = set()
    for spec in lines:
        try:
            line_id = int(spec.get("line"))  # type: ignore[arg-type]
        except (TypeError, ValueError, AttributeError):
            errors.append("Each checked line names its line item.")
            continue
        line = by_id.get(line_id)
        if line is None or line_id in seen:
            errors.append(f"Line item {line_id} is not (again) on this requisition.")
            continue
        seen.add(line_id)
        errors += [f"Line {line.position}: {p}" for p in _line_result(line, spec, today)]
    unchecked = [
        str(line.position)
        for line in by_id.values()
        if line.pk not in seen and line.delivery_status != DeliveryStatus.COMPLETE
    ]
    if unchecked:
        errors.append(f"Check every line not yet complete (line {', '.join(unchecked)}).")
    if errors:
        raise ValidationError({"lines": errors})
    return [by_id[pk] for pk in sorted(seen, key=lambda pk: by_id[pk].position)]


def _record_check(requisition: PurchaseRequisition, checked: list[PurchaseLineItem]) -> None:
    for line in checked:
        line.save(
            update_fields=[
                "delivery_status",
                "received_quantity",
                "delivery_note",
                "expected_on",
            ]
        )
    journal.system(
        requisition,
        text="Delivery checked: "
        + "; ".join(
            f"line {line.position} {line.get_delivery_status_display().lower()} "
            f"({line.received_quantity}/{line.quantity})"
            for line in checked
        ),
        data={"lines": {line.position: line.delivery_status for line in checked}},
    )


def _delivered_complete(requisition: PurchaseRequisition, actor: Person) -> None:
    requisition.delivered_at = timezone.now()
    move_status(
        requisition,
        R.DELIVERED,
        actor=actor,
        reason="Delivered complete and undamaged.",
        also=["delivered_at"],
    )
    notify.send(
        recipients=purchasing_agents(requisition),
        event="configuration.requisition.delivered",
        title=f"{requisition_label(requisition)} was delivered in good condition",
        body=f"{actor} checked the delivery: the CIs can be registered in the CMDB.",
        record=requisition,
    )


def _delivery_incomplete(
    requisition: PurchaseRequisition, actor: Person, short: list[PurchaseLineItem]
) -> None:
    problems = "\n".join(
        f"- line {line.position} ({line.description}): "
        f"{line.get_delivery_status_display().lower()}, "
        f"{line.received_quantity} of {line.quantity} received in good condition, "
        f"rest expected on {line.expected_on}"
        + (f": {line.delivery_note}" if line.delivery_note else "")
        for line in short
    )
    supplier = requisition.ordered_from or "the supplier"
    journal.system(
        requisition,
        text=f"Supplier informed: {actor} reported the incomplete delivery to {supplier}.",
        data={"supplier_informed": requisition.ordered_from_id},
    )
    move_status(requisition, R.DELIVERY_INCOMPLETE, actor=actor, reason=problems)
    latest = max(line.expected_on for line in short if line.expected_on)
    notify.send(
        recipients=[requisition.change_coordinator],
        event="configuration.requisition.delivery_delayed",
        title=f"Delivery of {requisition_label(requisition)} is delayed until {latest}",
        body=f"{actor} checked the delivery from {supplier}:\n{problems}",
        record=requisition,
    )


# --- Registration in the CMDB ------------------------------------------------------------------


def _names(line: PurchaseLineItem, spec: Mapping[str, Any]) -> list[str]:
    names = [str(n).strip() for n in spec.get("names") or []]
    if names:
        return names
    if line.quantity == 1:
        return [line.description]
    return [f"{line.description} {i}" for i in range(1, line.quantity + 1)]


def _register_line(
    requisition: PurchaseRequisition,
    line: PurchaseLineItem,
    spec: Mapping[str, Any],
    actor: Person,
    right: str,
) -> list[ConfigurationItem]:
    ci_class = spec.get("ci_class") or line.ci_class
    if not isinstance(ci_class, CIClass):
        raise ValidationError({"ci_class": ["Choose the CI class of these CIs."]})
    serials = [str(s).strip() for s in spec.get("serial_numbers") or []]
    if serials and len(serials) != line.quantity:
        raise ValidationError(
            {"serial_numbers": [f"Give {line.quantity} serial numbers, one per CI."]}
        )
    if len(set(s for s in serials if s)) != len([s for s in serials if s]):
        raise ValidationError({"serial_numbers": ["A serial number is given twice."]})
    names = _names(line, spec)
    if len(names) != line.quantity or not all(names):
        raise ValidationError({"names": [f"Give {line.quantity} names, one per CI."]})
    attributes = spec.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise ValidationError({"attributes": ["Give the attributes as an object."]})
    links = list(spec.get("relationships") or [])
    created = []
    for index, name in enumerate(names):
        ci = cmdb.ci_create(
            actor=actor,
            ci_class=ci_class,
            name=name,
            status=CIStatus.IN_STOCK,
            serial_number=serials[index] if serials else "",
            location=str(spec.get("location") or ""),
            owner=spec.get("owner"),
            support_group=spec.get("support_group"),
            attributes=dict(attributes),
            description=f"Delivered for {requisition.number} line {line.position}.",
            cause=requisition.number,
            permission=right,
        )
        for link in links:
            _relate(ci, link, actor=actor, cause=requisition.number, right=right)
        created.append(ci)
    if line.ci_class_id is None:
        line.ci_class = ci_class
        line.save(update_fields=["ci_class"])
    line.registered_cis.add(*created)
    return created


def _relate(
    ci: ConfigurationItem, link: Mapping[str, Any], *, actor: Person, cause: str, right: str
) -> None:
    """``{"type": RelationshipType, "target": CI, "direction": "outgoing"|"incoming"}``."""
    rel_type, other = link.get("type"), link.get("target")
    if not isinstance(rel_type, RelationshipType) or not isinstance(other, ConfigurationItem):
        raise ValidationError({"relationships": ["Give a relationship type and a CI."]})
    source, target = (other, ci) if link.get("direction") == "incoming" else (ci, other)
    cmdb.relationship_add(
        actor=actor,
        source_id=source.pk,
        target_id=target.pk,
        type_id=rel_type.pk,
        cause=cause,
        permission=right,
    )


def requisition_register_cis(
    *, actor: Person, requisition_id: int, lines: Sequence[Mapping[str, Any]] = ()
) -> PurchaseRequisition:
    """Procedure 3: the delivered CIs are registered in the CMDB (in stock), with their
    serial numbers and relations, each line's CIs linked to the line item.

    ``lines``: ``{"line": id, "ci_class"?, "serial_numbers": [one per CI], "names"?,
    "location"?, "owner"?, "support_group"?, "attributes"?: {}, "relationships"?:
    [{"type", "target", "direction"}]}``; a line left out gets its CIs with default names.
    The configuration administrator (``requisition.create``) or the purchasing agent
    (``requisition.purchase``: seed 003 "the purchasing agent updates the purchase line
    item to ensure that the CIs are registered") registers them under that right.
    """
    if permissions.has(actor, CREATE):
        right = CREATE
    elif permissions.has(actor, PURCHASE):
        right = PURCHASE
    else:
        raise PermissionDenied("You may not register the CIs of purchase requisitions.")
    with transaction.atomic():
        requisition = locked_requisition(requisition_id)
        workflows.REQUISITION.check(str(requisition.status), str(R.REGISTERED))
        all_lines = list(requisition.lines.select_related("ci_class").order_by("position"))
        by_id = {line.pk: line for line in all_lines}
        specs: dict[int, Mapping[str, Any]] = {}
        for spec in lines:
            try:
                line_id = int(spec.get("line"))  # type: ignore[arg-type]
            except (TypeError, ValueError, AttributeError):
                raise ValidationError({"lines": ["Each entry names its line item."]}) from None
            if line_id not in by_id or line_id in specs:
                raise ValidationError(
                    {"lines": [f"Line item {line_id} is not (again) on this requisition."]}
                )
            specs[line_id] = spec
        total = 0
        for line in all_lines:
            try:
                total += len(
                    _register_line(requisition, line, specs.get(line.pk, {}), actor, right)
                )
            except ValidationError as exc:
                messages = [
                    f"Line {line.position}: {m}" for ms in exc.message_dict.values() for m in ms
                ]
                raise ValidationError({"lines": messages}) from None
        move_status(
            requisition,
            R.REGISTERED,
            actor=actor,
            reason=f"{total} CI(s) registered in the CMDB.",
        )
        notify.send(
            recipients=[requisition.requested_by, requisition.change_coordinator],
            event="configuration.requisition.registered",
            title=f"The CIs of {requisition_label(requisition)} are registered in the CMDB",
            body=f"{total} CI(s) registered by {actor}, in stock.",
            record=requisition,
        )
    return requisition
