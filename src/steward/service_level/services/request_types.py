"""Request types of catalog items (issue 13): what a customer may ask for under a
published catalog item ("New laptop", "Access to a shared mailbox"), each with its own
ordered form fields. Service level managers maintain them; Incident Management registers
a user service request from one (``incidents.services.requests``) after
``clean_answers`` checked the answers against the fields.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from steward.core import journal, permissions, transitions, versioning
from steward.core.edits import reject_unknown, save_changes
from steward.core.models import Person
from steward.service_level.choices import RequestFieldKind
from steward.service_level.models import CatalogItem, RequestField, RequestType

K = RequestFieldKind
CHANGE = "service_level.request_type.change"
TYPE_FIELDS = ["name", "description", "is_active", "position", "creates_change_request"]
FIELD_KEYS = {"key", "label", "kind", "required", "help", "options"}
REQUIRED = "This field is required."
MAX_TEXT = {K.TEXT: 200, K.LONG_TEXT: 4000}
YES = {"yes", "true", "1", "on"}
NO = {"no", "false", "0", "off"}


# --- Answers ----------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(field: RequestField, value: Any) -> tuple[Any, str]:
    """The answer as stored (JSON) and as read; ``ValueError`` with the message when the
    value does not fit the field's kind."""
    kind = field.kind
    if kind == K.YES_NO:
        word = str(value).strip().lower()
        if value is True or word in YES:
            return True, "Yes"
        if value is False or word in NO:
            return False, "No"
        raise ValueError("Answer yes or no.")
    if isinstance(value, (dict, list)):
        raise ValueError("Give one value.")
    text = str(value).strip()
    if kind in MAX_TEXT:
        if len(text) > MAX_TEXT[kind]:
            raise ValueError(f"At most {MAX_TEXT[kind]} characters.")
        return text, text
    if kind == K.CHOICE:
        if text not in [str(o) for o in field.options]:
            raise ValueError("Choose one of the options offered.")
        return text, text
    if kind == K.DATE:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
        return day.isoformat(), day.isoformat()
    if kind == K.NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("Enter a number.") from None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise ValueError("Enter a number.")
        return format(number.normalize(), "f"), format(number.normalize(), "f")
    raise ValueError("This field cannot be answered.")


def clean_answers(request_type: RequestType, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The answers checked against the request type's fields, in the fields' order, as
    stored with the request: ``{"key", "label", "kind", "value", "text"}`` per field
    answered. Every problem at once: ``ValidationError`` keyed ``answers.<key>``."""
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": ["Give the answers as an object keyed by field."]})
    fields = list(request_type.fields.all())
    known = {f.key for f in fields}
    errors: dict[str, list[str]] = {
        f"answers.{key}": ["This request type asks no such question."]
        for key in answers
        if key not in known
    }
    cleaned = []
    for field in fields:
        value = answers.get(field.key)
        if _blank(value):
            if field.required:
                errors[f"answers.{field.key}"] = [REQUIRED]
            continue
        try:
            stored, text = _parse(field, value)
        except ValueError as exc:
            errors[f"answers.{field.key}"] = [str(exc)]
            continue
        cleaned.append(
            {
                "key": field.key,
                "label": field.label,
                "kind": field.kind,
                "value": stored,
                "text": text,
            }
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Maintenance ------------------------------------------------------------------------


def _field_rows(
    request_type: RequestType, specs: Iterable[Mapping[str, Any]]
) -> list[RequestField]:
    """The form fields from ``specs`` (label, kind, required, help, options, key), checked:
    ``ValidationError`` keyed ``fields.<n>.<name>``."""
    if isinstance(specs, (str, bytes)) or not isinstance(specs, Iterable):
        raise ValidationError({"fields": ["Give a list of fields."]})
    rows: list[RequestField] = []
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for n, spec in enumerate(specs):
        if not isinstance(spec, Mapping):
            errors[f"fields.{n}"] = ["Give each field as an object."]
            continue
        for name in sorted(set(spec) - FIELD_KEYS):
            errors[f"fields.{n}.{name}"] = ["This field cannot be set here."]
        label = str(spec.get("label") or "").strip()
        kind = spec.get("kind")
        options = spec.get("options") or []
        if isinstance(options, str):
            options = [o.strip() for o in options.splitlines() if o.strip()]
        if not label:
            errors[f"fields.{n}.label"] = [REQUIRED]
        if kind not in K.values:
            errors[f"fields.{n}.kind"] = [f"Choose one of: {', '.join(K.values)}."]
        if kind == K.CHOICE and not options:
            errors[f"fields.{n}.options"] = ["A choice field needs at least one option."]
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            errors[f"fields.{n}.options"] = ["Give the options as a list of texts."]
        key = slugify(str(spec.get("key") or label)).replace("-", "_")[:50] or f"field_{n + 1}"
        if key in seen:
            errors[f"fields.{n}.key"] = ["Two fields share this key; give one another key."]
        seen.add(key)
        rows.append(
            RequestField(
                request_type=request_type, key=key, label=label[:200], kind=kind or "",
                required=bool(spec.get("required")), help=str(spec.get("help") or "")[:300],
                options=options if kind == K.CHOICE else [], position=n,
            )
        )  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return rows


def _describe(rows: Iterable[RequestField]) -> str:
    return "; ".join(
        f"{r.label} ({r.get_kind_display().lower()}{', required' if r.required else ''})"
        for r in rows
    )


def _replace_fields(
    request_type: RequestType, specs: Iterable[Mapping[str, Any]], actor: Person
) -> None:
    rows = _field_rows(request_type, specs)
    old = list(request_type.fields.all())
    if [(r.key, r.label, r.kind, r.required, r.help, r.options) for r in old] == [
        (r.key, r.label, r.kind, r.required, r.help, r.options) for r in rows
    ]:
        return
    request_type.fields.all().delete()
    RequestField.objects.bulk_create(rows)
    journal.field_changes(
        request_type, actor=actor, changes={"fields": (_describe(old), _describe(rows))}
    )
    versioning.touch(request_type)


def request_type_create(
    *,
    actor: Person,
    catalog_item: CatalogItem | int,
    name: str,
    description: str = "",
    is_active: bool = True,
    position: int = 0,
    fields: Iterable[Mapping[str, Any]] = (),
    creates_change_request: bool = False,
) -> RequestType:
    """Add a request type with its form fields to a catalog item."""
    permissions.require(actor, CHANGE)
    item_id = catalog_item.pk if isinstance(catalog_item, CatalogItem) else catalog_item
    with transaction.atomic():
        item = transitions.lock(CatalogItem, item_id)
        request_type = RequestType(
            catalog_item=item, name=(name or "").strip(), description=(description or "").strip(),
            is_active=is_active, position=position,
            creates_change_request=creates_change_request,
        )  # fmt: skip
        request_type.full_clean()
        rows = _field_rows(request_type, fields)
        request_type.save()
        for row in rows:
            row.request_type = request_type
        RequestField.objects.bulk_create(rows)
        journal.created(request_type, actor=actor, summary=f"{item.name}: {request_type.name}")
    return request_type


def request_type_update(
    *,
    actor: Person,
    request_type_id: int,
    data: Mapping[str, Any],
    fields: Iterable[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
) -> RequestType:
    """Change a request type; ``fields`` (when given) replaces its form fields as a whole
    (requests already submitted keep their answers as they were asked)."""
    reject_unknown(data, TYPE_FIELDS)
    with transaction.atomic():
        request_type = transitions.lock(RequestType, request_type_id)
        permissions.require(actor, CHANGE)
        versioning.check(request_type, expected_version)
        save_changes(request_type, data, TYPE_FIELDS, actor=actor)
        if fields is not None:
            _replace_fields(request_type, fields, actor)
    return request_type
