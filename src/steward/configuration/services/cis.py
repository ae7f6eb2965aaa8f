"""Writes of the CMDB (seed 003 ch. 4): classes and their attributes, CIs, relationships.

Every change to a CI writes typed ``CIChange`` rows (for showing a CI as it was) and
journal entries (for the timeline) in the same transaction, with the CI row locked.
Relationships are never deleted: ending one sets ``valid_to``.
"""

import datetime as dt
import ipaddress
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from steward.configuration.choices import AttributeType, CIStatus
from steward.configuration.models import (
    AttributeDefinition,
    CIAttributeValue,
    CIChange,
    CIClass,
    ConfigurationItem,
    Relationship,
    RelationshipRule,
    RelationshipType,
)
from steward.configuration.queries.cis import class_and_descendants
from steward.configuration.queries.classes import class_ancestry
from steward.core import journal, numbering, permissions, registry, transitions, versioning
from steward.core.edits import lock_to_edit, reject_unknown, save_new
from steward.core.models import Person

CHANGE = "configuration.ci.change"
CLASS_CHANGE = "configuration.class.change"

# CI fields a CIChange row can record; foreign keys are recorded by primary key.
TRACKED_FIELDS = [
    "name", "status", "owner", "support_group", "serial_number", "version", "location",
    "description", "service", "last_verified_at",
]  # fmt: skip
EDITABLE_FIELDS = [f for f in TRACKED_FIELDS if f != "last_verified_at"]
FK_FIELDS = {"owner", "support_group", "service"}

# Change Management answers "which change is this?" (core.registry): the CMDB comes first
# in INSTALLED_APPS and does not import it.
CHANGE_PROVIDER = "cmdb.change"


def change_of(actor: Person, change_id: int | None, cause: str = "") -> tuple[Any, str]:
    """The change a CMDB write is made under (``change_id``), with the cause to record:
    its number. Change Management decides which changes qualify (one the actor may see,
    open or just closed); anything else is a ValidationError naming ``change``. Without a
    change id: no change, and the free-text ``cause`` as given."""
    if change_id is None:
        return None, cause
    lookup = registry.provider(CHANGE_PROVIDER)
    if lookup is None:
        raise ValidationError({"change": ["Change Management is not installed."]})
    change = lookup(actor, change_id)
    return change, change.number


# --- Classes, attribute definitions, relationship types ---------------------------------


def ci_class_create(
    *,
    actor: Person,
    name: str,
    code: str,
    category: str,
    parent: CIClass | None = None,
    description: str = "",
) -> CIClass:
    """Define a CI class; a subclass inherits its parent's attribute definitions."""
    permissions.require(actor, CLASS_CHANGE)
    with transaction.atomic():
        ci_class = CIClass(
            name=name.strip(), code=code, category=category, parent=parent, description=description
        )
        return save_new(ci_class, actor=actor)


def definitions_for(ci_class: CIClass) -> list[AttributeDefinition]:
    """The class's attribute definitions including inherited ones (root class first)."""
    chain = list(reversed(class_ancestry(ci_class.pk)))
    by_class: dict[int, list[AttributeDefinition]] = {pk: [] for pk in chain}
    for definition in AttributeDefinition.objects.filter(ci_class_id__in=by_class):
        by_class[definition.ci_class_id].append(definition)
    return [d for pk in chain for d in by_class[pk]]


def attribute_define(
    *,
    actor: Person,
    ci_class_id: int,
    key: str,
    label: str,
    type: str,
    mandatory: bool = False,
    choices: tuple | list = (),
    help_text: str = "",
    order: int = 0,
) -> AttributeDefinition:
    """Add a typed attribute to a class (and so to its subclasses)."""
    permissions.require(actor, CLASS_CHANGE)
    with transaction.atomic():
        ci_class = transitions.lock(CIClass, ci_class_id)
        if type not in AttributeType.values:
            raise ValidationError({"type": [f"Unknown attribute type {type!r}."]})
        choices = [str(c) for c in choices]
        if type == AttributeType.CHOICE and not choices:
            raise ValidationError({"choices": ["A choice attribute needs its list of values."]})
        # A key means one thing along the whole inheritance line.
        related = set(class_ancestry(ci_class.pk)) | class_and_descendants(ci_class)
        clash = AttributeDefinition.objects.filter(ci_class_id__in=related, key=key).first()
        if clash is not None:
            raise ValidationError(
                {"key": [f'"{key}" is already defined on the class {clash.ci_class}.']}
            )
        definition = AttributeDefinition(
            ci_class=ci_class,
            key=key,
            label=label,
            type=type,
            mandatory=mandatory,
            choices=choices,
            help_text=help_text,
            order=order,
        )
        definition.full_clean()
        definition.save()
        versioning.touch(ci_class)  # its attributes are part of the class
        journal.field_changes(
            ci_class, actor=actor, changes={f"attributes.{key}": (None, f"{label} ({type})")}
        )
    return definition


def relationship_type_create(
    *,
    actor: Person,
    code: str,
    name: str,
    reverse_name: str,
    impact_flows_to_source: bool = True,
) -> RelationshipType:
    """Define a kind of link, read from source to target ("runs on" / "hosts")."""
    permissions.require(actor, CLASS_CHANGE)
    with transaction.atomic():
        rel_type = RelationshipType(
            code=code,
            name=name,
            reverse_name=reverse_name,
            impact_flows_to_source=impact_flows_to_source,
        )
        return save_new(rel_type, actor=actor)


def relationship_rule_add(
    *, actor: Person, type_id: int, source_class_id: int, target_class_id: int
) -> RelationshipRule:
    """Allow ``type`` between two classes; once a type has rules, only those pairs."""
    permissions.require(actor, CLASS_CHANGE)
    with transaction.atomic():
        rel_type = transitions.lock(RelationshipType, type_id)
        rule = RelationshipRule(
            type=rel_type,
            source_class=CIClass.objects.get(pk=source_class_id),
            target_class=CIClass.objects.get(pk=target_class_id),
        )
        rule.full_clean()
        rule.save()
        journal.field_changes(rel_type, actor=actor, changes={"rule": (None, str(rule))})
    return rule


# --- Attribute values ------------------------------------------------------------------


def _coerce(definition: AttributeDefinition, value: Any) -> Any:
    """The JSON value to store for ``value``; ValueError with a message when invalid."""
    kind = definition.type
    if kind == AttributeType.STRING:
        if not isinstance(value, str):
            raise ValueError("Enter text.")
        return value
    if kind == AttributeType.INTEGER:
        if isinstance(value, bool):
            raise ValueError("Enter a whole number.")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value.strip())
        raise ValueError("Enter a whole number.")
    if kind == AttributeType.DECIMAL:
        # Stored as a string so no precision is lost in JSON.
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("Enter a number.")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("Enter a number.") from None
        if not number.is_finite():
            raise ValueError("Enter a number.")
        return str(number)
    if kind == AttributeType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text in {"true", "yes", "1"}:
            return True
        if text in {"false", "no", "0"}:
            return False
        raise ValueError("Enter yes or no.")
    if kind == AttributeType.DATE:
        if isinstance(value, dt.datetime):
            raise ValueError("Enter a date (YYYY-MM-DD), not a date and time.")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and len(value.strip()) == 10:
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise ValueError("Enter a date (YYYY-MM-DD).")
    if kind == AttributeType.CHOICE:
        if str(value) not in definition.choices:
            raise ValueError(f"Choose one of: {', '.join(definition.choices)}.")
        return str(value)
    if kind == AttributeType.IP_ADDRESS:
        try:
            return str(ipaddress.ip_address(str(value).strip()))
        except ValueError:
            raise ValueError("Enter an IPv4 or IPv6 address.") from None
    if kind == AttributeType.URL:
        try:
            URLValidator()(value)
        except ValidationError:
            raise ValueError("Enter a valid URL.") from None
        return value
    raise ValueError(f"Unknown attribute type {kind!r}.")


def validate_attributes(ci_class: CIClass, attributes: dict[str, Any]) -> dict[str, Any]:
    """Check and coerce attribute values against the class's (inherited) definitions.

    Unknown keys are refused and mandatory attributes must be present; a value of
    ``None`` or "" counts as absent. Every problem is reported at once, keyed
    ``attributes.<key>``.
    """
    definitions = {d.key: d for d in definitions_for(ci_class)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in sorted(set(attributes) - set(definitions)):
        errors[f"attributes.{key}"] = [f"The class {ci_class} has no attribute {key!r}."]
    for key, definition in definitions.items():
        value = attributes.get(key)
        if value is None or value == "":
            if definition.mandatory:
                errors[f"attributes.{key}"] = [f"{definition.label} is required."]
            continue
        try:
            cleaned[key] = _coerce(definition, value)
        except ValueError as exc:
            errors[f"attributes.{key}"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Configuration items ---------------------------------------------------------------


def _index_attributes(ci: ConfigurationItem, keys: Iterable[str]) -> None:
    """Bring the ``CIAttributeValue`` rows of ``keys`` in line with ``ci.attributes``."""
    keys = list(keys)
    CIAttributeValue.objects.filter(ci=ci, key__in=keys).delete()
    CIAttributeValue.objects.bulk_create(
        CIAttributeValue(ci=ci, key=key, value=json.dumps(ci.attributes[key])[:255])
        for key in keys
        if key in ci.attributes
    )


def _typed(value: Any) -> Any:
    """A field value as stored in CIChange: keys for records, ISO text for times."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def snapshot(ci: ConfigurationItem) -> dict[str, Any]:
    """The CI's tracked fields as typed JSON values (the shape ``ci_as_of`` returns)."""
    values = {}
    for name in TRACKED_FIELDS:
        attname = f"{name}_id" if name in FK_FIELDS else name
        values[name] = _typed(getattr(ci, attname))
    return values


def _record(
    ci: ConfigurationItem,
    *,
    actor: Person,
    at: dt.datetime,
    cause: str,
    changes: dict[str, tuple[Any, Any]],
    change: Any = None,
) -> None:
    """Write one CIChange row per change and the matching journal entries."""
    CIChange.objects.bulk_create(
        CIChange(
            ci=ci,
            at=at,
            actor=actor,
            cause=cause,
            change=change,
            field=name,
            old_value=_typed(old),
            new_value=_typed(new),
        )
        for name, (old, new) in changes.items()
    )
    # The timeline speaks the class's words ("Memory (GB)"), not the JSON key.
    labels = {f"attributes.{d.key}": d.label for d in definitions_for(ci.ci_class)}
    journal.field_changes(
        ci, actor=actor, changes={labels.get(name, name): c for name, c in changes.items()}
    )


def ci_create(
    *,
    actor: Person,
    ci_class: CIClass,
    name: str,
    status: str = CIStatus.IN_PRODUCTION,
    owner: Person | None = None,
    support_group: Any = None,
    serial_number: str = "",
    version: str = "",
    location: str = "",
    description: str = "",
    attributes: dict[str, Any] | None = None,
    service: Any = None,
    cause: str = "",
    permission: str = CHANGE,
    change_id: int | None = None,
) -> ConfigurationItem:
    """Register a CI (seed 003 ch. 4, procedure 3: CI Registration).

    ``permission`` lets a procedure that owns the registration name its own right: the
    purchasing agent registers delivered CIs under ``configuration.requisition.purchase``.
    ``change_id``: the change it is registered under (seed 003 ch. 3 proc. 6), recorded
    on the history rows instead of a free-text cause.
    """
    permissions.require(actor, permission)
    cleaned = validate_attributes(ci_class, attributes or {})
    with transaction.atomic():
        change, cause = change_of(actor, change_id, cause)
        ci = ConfigurationItem(
            ci_class=ci_class,
            name=name.strip(),
            status=status,
            owner=owner,
            support_group=support_group,
            serial_number=serial_number,
            version=version,
            location=location,
            description=description,
            attributes=cleaned,
            service=service,
        )
        permissions.require(actor, permission, ci)
        numbering.assign(ci)
        ci.full_clean()
        ci.save()
        # The first values are history too: who registered what, and why.
        initial = {n: (None, v) for n, v in snapshot(ci).items() if v not in (None, "")}
        initial |= {f"attributes.{k}": (None, v) for k, v in cleaned.items()}
        CIChange.objects.bulk_create(
            CIChange(
                ci=ci,
                at=ci.created_at,
                actor=actor,
                cause=cause,
                change=change,
                field=n,
                new_value=v,
            )
            for n, (_, v) in initial.items()
        )
        _index_attributes(ci, cleaned)
        journal.created(ci, actor=actor)
    return ci


def ci_update(
    *,
    actor: Person,
    ci_id: int,
    data: dict[str, Any],
    cause: str = "",
    expected_version: int | None = None,
    change_id: int | None = None,
    permission: str = CHANGE,
) -> ConfigurationItem:
    """Change a CI's fields and/or attributes (``data["attributes"]`` is merged; a key
    set to None removes that attribute). Nothing is written when nothing changes.
    ``change_id``: the change the update is made under (seed 003 ch. 3 proc. 6: the CMDB
    update after a change), linked from the history rows; its number is the cause.
    ``permission``: as for ``ci_create`` (a release rollback restores CIs under the
    release administrator's ``releases.deployment.transfer``)."""
    reject_unknown(data, [*EDITABLE_FIELDS, "attributes"])
    new_attributes = data.get("attributes") or {}
    if not isinstance(new_attributes, dict):
        raise ValidationError({"attributes": ["Give the attributes as an object."]})
    with transaction.atomic():
        ci = lock_to_edit(
            actor, permission, ConfigurationItem, ci_id, expected_version, related=["ci_class"]
        )
        change, cause = change_of(actor, change_id, cause)
        before = snapshot(ci)
        journal.apply_changes(ci, data, EDITABLE_FIELDS)
        after = snapshot(ci)
        changes = {n: (before[n], after[n]) for n in TRACKED_FIELDS if before[n] != after[n]}
        merged = {**ci.attributes, **new_attributes}
        cleaned = validate_attributes(
            ci.ci_class, {k: v for k, v in merged.items() if v is not None}
        )
        for key in sorted(set(ci.attributes) | set(cleaned)):
            old, new = ci.attributes.get(key), cleaned.get(key)
            if old != new:
                changes[f"attributes.{key}"] = (old, new)
        if not changes:
            return ci
        ci.attributes = cleaned
        ci.full_clean()
        ci.save()
        _index_attributes(
            ci, [n.removeprefix("attributes.") for n in changes if n.startswith("attributes.")]
        )
        # A scoped administrator may not move a CI out of their reach either.
        permissions.require(actor, permission, ci)
        _record(ci, actor=actor, at=timezone.now(), cause=cause, changes=changes, change=change)
    return ci


def ci_verify(*, actor: Person, ci_id: int) -> ConfigurationItem:
    """Record that the real configuration was checked against the CI (ch. 4, proc. 4)."""
    with transaction.atomic():
        ci = lock_to_edit(actor, CHANGE, ConfigurationItem, ci_id)
        old, ci.last_verified_at = ci.last_verified_at, timezone.now()
        ci.save(update_fields=["last_verified_at", "updated_at"])
        _record(
            ci,
            actor=actor,
            at=ci.last_verified_at,
            cause="",
            changes={"last_verified_at": (old, ci.last_verified_at)},
        )
    return ci


# --- Relationships ---------------------------------------------------------------------


def _rule_allows(rel_type: RelationshipType, source: CIClass, target: CIClass) -> bool:
    """A rule for a class also covers its subclasses."""
    rules = list(rel_type.rules.values_list("source_class_id", "target_class_id"))
    if not rules:
        return True
    sources, targets = set(class_ancestry(source.pk)), set(class_ancestry(target.pk))
    return any(s in sources and t in targets for s, t in rules)


def relationship_add(
    *,
    actor: Person,
    source_id: int,
    target_id: int,
    type_id: int,
    cause: str = "",
    permission: str = CHANGE,
    change_id: int | None = None,
) -> Relationship:
    """Link two CIs ("source <type> target"), checked against the type's class rules.

    ``permission``: as for ``ci_create``; ``change_id``: the change the link is made
    under (as for ``ci_update``).
    """
    if source_id == target_id:
        raise ValidationError({"target": ["A CI cannot be related to itself."]})
    with transaction.atomic():
        # Both CIs locked in a fixed order, so concurrent links cannot deadlock or duplicate.
        locked = {
            ci.pk: ci
            for ci in ConfigurationItem.objects.select_for_update()
            .select_related("ci_class")
            .filter(pk__in=[source_id, target_id])
            .order_by("pk")
        }
        if source_id not in locked or target_id not in locked:
            raise ConfigurationItem.DoesNotExist("No such configuration item.")
        source, target = locked[source_id], locked[target_id]
        permissions.require(actor, permission, source)
        permissions.require(actor, permission, target)
        rel_type = RelationshipType.objects.get(pk=type_id)
        change, cause = change_of(actor, change_id, cause)
        if not _rule_allows(rel_type, source.ci_class, target.ci_class):
            raise ValidationError(
                {
                    "type": [
                        f'"{rel_type.name}" may not link a {source.ci_class} '
                        f"to a {target.ci_class}."
                    ]
                }
            )
        current = Relationship.objects.filter(
            source=source, target=target, type=rel_type, valid_to__isnull=True
        )
        if current.exists():
            raise ValidationError({"target": [f"{source} already {rel_type.name} {target}."]})
        try:
            with transaction.atomic():
                relationship = Relationship.objects.create(
                    source=source,
                    target=target,
                    type=rel_type,
                    valid_from=timezone.now(),
                    created_by=actor,
                    cause=cause,
                    change=change,
                )
        except IntegrityError:
            raise ValidationError(
                {"target": [f"{source} already {rel_type.name} {target}."]}
            ) from None
        _journal_link(relationship, actor=actor, added=True)
    return relationship


def relationship_end(
    *,
    actor: Person,
    relationship_id: int,
    cause: str = "",
    change_id: int | None = None,
    permission: str = CHANGE,
) -> Relationship:
    """End a relationship (it stays in the history with its end date); ``change_id``: the
    change it is ended under (as for ``ci_update``), kept as ``ended_change``;
    ``permission``: as for ``ci_create``."""
    with transaction.atomic():
        relationship = (
            Relationship.objects.select_for_update()
            .select_related("source", "target", "type")
            .get(pk=relationship_id)
        )
        permissions.require(actor, permission, relationship.source)
        permissions.require(actor, permission, relationship.target)
        if relationship.valid_to is not None:
            raise ValidationError({"relationship": ["This relationship has already ended."]})
        change, cause = change_of(actor, change_id, cause)
        relationship.valid_to, relationship.ended_by = timezone.now(), actor
        relationship.ended_change = change
        relationship.save(update_fields=["valid_to", "ended_by", "ended_change"])
        _journal_link(relationship, actor=actor, added=False, cause=cause)
    return relationship


def _journal_link(
    relationship: Relationship, *, actor: Person, added: bool, cause: str = ""
) -> None:
    rel_type, source, target = relationship.type, relationship.source, relationship.target
    ended = f"ended ({cause})" if cause else "ended"
    for ci, text in (
        (source, f"{rel_type.name} {target}"),
        (target, f"{rel_type.reverse_name} {source}"),
    ):
        change = (None, text) if added else (text, ended)
        journal.field_changes(ci, actor=actor, changes={"relationship": change})


# --- History ---------------------------------------------------------------------------


def ci_as_of(ci: ConfigurationItem, at: dt.datetime) -> dict[str, Any]:
    """The CI as it was at ``at``: fields, attributes and the relationships then current.

    Starts from today's values and undoes the CIChange rows after ``at``, newest first.
    Raises ValueError when the CI did not exist yet.
    """
    if ci.created_at > at:
        raise ValueError(f"{ci} did not exist at {at.isoformat()}.")
    values = snapshot(ci)
    attributes = dict(ci.attributes)
    for change in ci.changes.filter(at__gt=at).order_by("-at", "-id"):
        if change.field.startswith("attributes."):
            key = change.field.removeprefix("attributes.")
            if change.old_value is None:
                attributes.pop(key, None)
            else:
                attributes[key] = change.old_value
        else:
            values[change.field] = change.old_value
    relationships = (
        Relationship.objects.filter(Q(source=ci) | Q(target=ci), valid_from__lte=at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
        .select_related("type")
        .order_by("pk")
    )
    return {
        "id": ci.pk,
        "number": ci.number,
        "ci_class": ci.ci_class_id,
        **values,
        "attributes": attributes,
        "relationships": [
            {
                "id": r.pk,
                "type": r.type.code,
                "source": r.source_id,
                "target": r.target_id,
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
            }
            for r in relationships
        ],
    }
