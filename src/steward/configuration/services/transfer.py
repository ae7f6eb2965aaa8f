"""CMDB import and export as CSV or JSON (seed 003 ch. 4; issue 4, acceptance 3).

A CI is identified by its natural key, the pair (class code, name): a row updates the CI
with that key or creates one. CI columns: class, name, status, owner (username),
support_group (name), serial_number, version, location, description and one
``attr.<key>`` column per attribute (JSON rows may give ``attributes`` as an object
instead). Text cells that a spreadsheet would run as formulas are written with a
leading apostrophe (core.csvsafe) and read back without it. A column that is absent
leaves the field alone; an empty ``attr.<key>`` cell removes that attribute.
Relationship rows: source_class, source_name, type (code),
target_class, target_name; a link that is already current is left alone (import never
ends links).

Imports are all or nothing: every row is checked first (with the services' own
validation) and any problem is reported as "row N: <field>: <reason>" in one
ValidationError, with nothing written. Rows that change nothing write nothing, so
importing the same file twice changes nothing the second time.
"""

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from steward.configuration.choices import CIStatus
from steward.configuration.models import CIClass, ConfigurationItem, Relationship, RelationshipType
from steward.configuration.services import cis as services
from steward.core import csvsafe, permissions
from steward.core.models import Person, SupportGroup

CI_FIELDS = [
    "class", "name", "status", "owner", "support_group", "serial_number", "version",
    "location", "description",
]  # fmt: skip
TEXT_FIELDS = ["serial_number", "version", "location", "description"]
REL_FIELDS = ["source_class", "source_name", "type", "target_class", "target_name"]
ATTR_PREFIX = "attr."


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


# --- Parsing ---------------------------------------------------------------------------


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV text with a header line; missing trailing cells read as "".

    A cell the export defused against spreadsheet formulas (``'=x``, see core.csvsafe)
    reads back as the value that was exported (``=x``), so export then import changes
    nothing; an apostrophe before anything else is kept.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for row in reader:
        extra = row.pop(None, None)  # type: ignore[call-overload]
        clean = {
            (k or "").strip(): (csvsafe.unescape(v) if v is not None else "")
            for k, v in row.items()
        }
        if extra and any(str(v).strip() for v in extra):
            clean[None] = extra  # reported as a row error by the importer
        rows.append(clean)
    return rows


def parse_json(text: str, *, section: str = "cis") -> list[dict[str, Any]]:
    """Rows of a JSON list of objects, or of ``section`` of {"cis": [...], "relationships": [...]}."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError({"file": [f"Not valid JSON: {exc}."]}) from None
    if isinstance(data, dict):
        data = data.get(section, [])
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValidationError({"file": ["Give a list of objects."]})
    return data


# --- Import ----------------------------------------------------------------------------


class _RowErrors:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.rows: set[int] = set()

    def add(self, row: int, field: str, reason: str) -> None:
        self.rows.add(row)
        self.messages.append(f"row {row}: {field}: {reason}")

    def add_validation(self, row: int, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add(row, field, message)
        else:
            for message in exc.messages:
                self.add(row, "row", message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationError({"rows": self.messages})


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _find_ci(ci_class: CIClass | None, name: str) -> tuple[ConfigurationItem | None, str]:
    """The CI with this natural key, or (None, reason) when it is ambiguous."""
    if ci_class is None:
        return None, ""
    matches = list(
        ConfigurationItem.objects.filter(ci_class=ci_class, name=name).order_by("pk")[:2]
    )
    if len(matches) > 1:
        return None, f"more than one {ci_class} is named {name!r}; rename one first."
    return (matches[0] if matches else None), ""


def _check_columns(
    rows: list[dict[str, Any]], allowed: set[str], errors: _RowErrors, first_row: int
) -> None:
    for index, row in enumerate(rows):
        number = first_row + index
        if None in row:
            errors.add(number, "row", "more values than columns.")
        for key in row:
            if key is None or key in allowed or key == "attributes":
                continue
            if isinstance(key, str) and key.startswith(ATTR_PREFIX) and len(key) > len(ATTR_PREFIX):
                continue
            errors.add(number, str(key), "unknown column.")


def _plan_ci(row: dict[str, Any], number: int, errors: _RowErrors) -> dict[str, Any] | None:
    """Resolve one CI row into service arguments; errors go to ``errors``."""
    before = len(errors.messages)
    class_code, name = _text(row.get("class")), _text(row.get("name"))
    ci_class = None
    if not class_code:
        errors.add(number, "class", "required.")
    else:
        ci_class = CIClass.objects.filter(code=class_code).first()
        if ci_class is None:
            errors.add(number, "class", f"unknown class {class_code!r}.")
    if not name:
        errors.add(number, "name", "required.")
    fields: dict[str, Any] = {}
    if _text(row.get("status")):
        status = _text(row["status"])
        if status not in CIStatus.values:
            errors.add(number, "status", f"choose one of: {', '.join(CIStatus.values)}.")
        fields["status"] = status
    if "owner" in row:
        username = _text(row["owner"])
        fields["owner"] = Person.objects.filter(username=username).first() if username else None
        if username and fields["owner"] is None:
            errors.add(number, "owner", f"no person with the username {username!r}.")
    if "support_group" in row:
        group_name = _text(row["support_group"])
        group = SupportGroup.objects.filter(name=group_name).first() if group_name else None
        fields["support_group"] = group
        if group_name and group is None:
            errors.add(number, "support_group", f"no support group named {group_name!r}.")
    for field in TEXT_FIELDS:
        if field in row:
            fields[field] = _text(row[field])
    attributes: dict[str, Any] = {}
    nested = row.get("attributes")
    if nested is not None and not isinstance(nested, dict):
        errors.add(number, "attributes", "give the attributes as an object.")
    elif nested:
        attributes.update(nested)
    for key, value in row.items():
        if isinstance(key, str) and key.startswith(ATTR_PREFIX):
            attributes[key.removeprefix(ATTR_PREFIX)] = value
    # "" and None mean "no value": removed on update, absent on create.
    attributes = {k: (None if v is None or v == "" else v) for k, v in attributes.items()}
    existing, reason = _find_ci(ci_class, name) if name else (None, "")
    cleaned: dict[str, Any] = {}
    if reason:
        errors.add(number, "name", reason)
    if ci_class is not None:
        current = dict(existing.attributes) if existing else {}
        merged = {**current, **attributes}
        try:
            cleaned = services.validate_attributes(
                ci_class, {k: v for k, v in merged.items() if v is not None}
            )
        except ValidationError as exc:
            errors.add_validation(number, exc)
    if len(errors.messages) > before:
        return None
    return {
        "ci_class": ci_class,
        "name": name,
        "existing": existing,
        "fields": fields,
        "attributes": attributes,
        "cleaned": cleaned,
    }


def _differs(ci: ConfigurationItem, plan: dict[str, Any]) -> bool:
    for field, value in plan["fields"].items():
        current = getattr(ci, f"{field}_id") if field in services.FK_FIELDS else getattr(ci, field)
        new = value.pk if field in services.FK_FIELDS and value is not None else value
        if current != new:
            return True
    return plan["cleaned"] != ci.attributes


def import_cis(
    *, actor: Person, rows: Iterable[dict[str, Any]], cause: str = "", first_row: int = 2
) -> ImportResult:
    """Create or update CIs by (class code, name); all or nothing.

    ``first_row`` is the number of the first row in error messages: 2 for a CSV file
    (after its header line), 1 for JSON.
    """
    permissions.require(actor, services.CHANGE)
    rows = list(rows)
    errors = _RowErrors()
    _check_columns(rows, set(CI_FIELDS), errors, first_row)
    plans: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        number = first_row + index
        plan = _plan_ci(row, number, errors)
        if plan is None:
            continue
        key = (plan["ci_class"].code, plan["name"])
        if key in seen:
            errors.add(number, "name", f"the same CI as row {seen[key]}.")
            continue
        seen[key] = number
        plans.append((number, plan))
    errors.raise_if_any()
    created = updated = unchanged = 0
    with transaction.atomic():
        for number, plan in plans:
            existing = plan["existing"]
            try:
                # A savepoint per row, so a late error is still reported with its row.
                with transaction.atomic():
                    if existing is None:
                        services.ci_create(
                            actor=actor,
                            ci_class=plan["ci_class"],
                            name=plan["name"],
                            attributes={
                                k: v for k, v in plan["attributes"].items() if v is not None
                            },
                            cause=cause,
                            **plan["fields"],
                        )
                        created += 1
                    elif _differs(existing, plan):
                        services.ci_update(
                            actor=actor,
                            ci_id=existing.pk,
                            data={**plan["fields"], "attributes": plan["attributes"]},
                            cause=cause,
                        )
                        updated += 1
                    else:
                        unchanged += 1
            except ValidationError as exc:
                errors.add_validation(number, exc)
        # Raising inside the outer block rolls back every row written so far.
        errors.raise_if_any()
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def import_relationships(
    *, actor: Person, rows: Iterable[dict[str, Any]], cause: str = "", first_row: int = 2
) -> ImportResult:
    """Add the relationships that are not current yet; all or nothing."""
    permissions.require(actor, services.CHANGE)
    rows = list(rows)
    errors = _RowErrors()
    _check_columns(rows, set(REL_FIELDS), errors, first_row)
    classes = {c.code: c for c in CIClass.objects.all()}
    types = {t.code: t for t in RelationshipType.objects.all()}
    plans: list[tuple[int, ConfigurationItem, RelationshipType, ConfigurationItem]] = []
    for index, row in enumerate(rows):
        number = first_row + index
        before = len(errors.messages)
        ends = []
        for end in ("source", "target"):
            code, name = _text(row.get(f"{end}_class")), _text(row.get(f"{end}_name"))
            ci_class = classes.get(code)
            if ci_class is None:
                errors.add(number, f"{end}_class", f"unknown class {code!r}.")
                continue
            ci, reason = _find_ci(ci_class, name)
            if ci is None:
                errors.add(number, f"{end}_name", reason or f"no {ci_class} named {name!r}.")
            ends.append(ci)
        type_code = _text(row.get("type"))
        rel_type = types.get(type_code)
        if rel_type is None:
            errors.add(number, "type", f"unknown relationship type {type_code!r}.")
        if len(errors.messages) == before:
            plans.append((number, ends[0], rel_type, ends[1]))
    errors.raise_if_any()
    created = unchanged = 0
    done: set[tuple[int, int, int]] = set()
    with transaction.atomic():
        for number, source, rel_type, target in plans:
            key = (source.pk, rel_type.pk, target.pk)
            current = Relationship.objects.filter(
                source=source, target=target, type=rel_type, valid_to__isnull=True
            ).exists()
            if key in done or current:
                unchanged += 1
                continue
            done.add(key)
            try:
                with transaction.atomic():
                    services.relationship_add(
                        actor=actor,
                        source_id=source.pk,
                        target_id=target.pk,
                        type_id=rel_type.pk,
                        cause=cause,
                    )
                created += 1
            except ValidationError as exc:
                errors.add_validation(number, exc)
        errors.raise_if_any()
    return ImportResult(created=created, unchanged=unchanged)


# --- Export ----------------------------------------------------------------------------


def _ci_row(ci: ConfigurationItem) -> dict[str, Any]:
    return {
        "class": ci.ci_class.code,
        "name": ci.name,
        "status": ci.status,
        "owner": ci.owner.username if ci.owner else "",
        "support_group": ci.support_group.name if ci.support_group else "",
        **{field: getattr(ci, field) for field in TEXT_FIELDS},
    }


def _csv(fieldnames: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csvsafe.dict_writer(out, fieldnames)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def export_cis(queryset: QuerySet[ConfigurationItem], *, fmt: str = "csv") -> str:
    """The CIs as CSV (one ``attr.<key>`` column per attribute in use) or JSON."""
    cis = list(queryset.select_related("ci_class", "owner", "support_group").order_by("pk"))
    if fmt == "json":
        rows = [{**_ci_row(ci), "attributes": ci.attributes} for ci in cis]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    keys = sorted({key for ci in cis for key in ci.attributes})
    rows = [
        {**_ci_row(ci), **{ATTR_PREFIX + k: _cell(ci.attributes.get(k, "")) for k in keys}}
        for ci in cis
    ]
    return _csv(CI_FIELDS + [ATTR_PREFIX + k for k in keys], rows)


def export_relationships(queryset: QuerySet[Relationship], *, fmt: str = "csv") -> str:
    """The relationships by natural keys, as CSV or JSON."""
    rels = queryset.select_related("source__ci_class", "target__ci_class", "type").order_by("pk")
    rows = [
        {
            "source_class": r.source.ci_class.code,
            "source_name": r.source.name,
            "type": r.type.code,
            "target_class": r.target.ci_class.code,
            "target_name": r.target.name,
        }
        for r in rels
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    return _csv(REL_FIELDS, rows)
