"""Baselines of the CMDB: a frozen copy of a set of CIs (for example everything one
service runs on) with their fields, attributes and relations, and its comparison with
another baseline or with the CMDB as it is now.

Seed 003 ch. 4, procedure 4 (CI Update) asks the configuration administrator to check
the real configuration against the CMDB before and after updating it; a baseline is the
reference such a check compares with.

Taking a baseline reads the CIs and their relations in a few chunked queries (not a
query per CI) and writes the items with one bulk insert, so a baseline of a few thousand
CIs stays quick. The comparison itself is a pure function over two ``{ci id: data}``
mappings (``diff``), easy to test on its own.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from steward.configuration.choices import CIStatus
from steward.configuration.models import (
    Baseline,
    BaselineItem,
    CIClass,
    ConfigurationItem,
    Relationship,
    RelationshipType,
)
from steward.configuration.queries.impact import supporting_ci_ids
from steward.configuration.services.cis import (
    CHANGE,
    EDITABLE_FIELDS,
    FK_FIELDS,
    TRACKED_FIELDS,
    ci_update,
    relationship_add,
    relationship_end,
)
from steward.core import journal, numbering, permissions
from steward.core.models import Person, SupportGroup
from steward.service_level.models import Service

TAKE = "configuration.baseline.change"
# A baseline is one service's infrastructure or a hand-picked list, not the whole CMDB.
MAX_ITEMS = 20_000
# Keeps every IN list under SQLite's smallest bound-parameter limit (999).
_CHUNK = 900
_BULK = 500

# What a comparison looks at: the configuration, not when it was last verified.
COMPARED_FIELDS = ["ci_class"] + [f for f in TRACKED_FIELDS if f != "last_verified_at"]
FIELD_LABELS = {
    "ci_class": "Class",
    "name": "Name",
    "status": "Status",
    "owner": "Owner",
    "support_group": "Support group",
    "serial_number": "Serial number",
    "version": "Version",
    "location": "Location",
    "description": "Description",
    "service": "Service",
}
_REFERENCES = {"ci_class": CIClass, "owner": Person, "support_group": SupportGroup,
               "service": Service}  # fmt: skip


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Current data of many CIs ------------------------------------------------------------


def current_data(ci_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{ci id: data}`` for the CIs as they are now, in the shape ``cmdb.ci_as_of``
    returns (fields, attributes, current relationships), with times as ISO text so it
    can be stored as JSON. Ids of CIs that do not exist are left out.

    Two queries per 900 CIs: one for the CIs, one for their current relationships.
    """
    value_names = ["id", "number", "ci_class_id", "attributes"] + [
        f"{name}_id" if name in FK_FIELDS else name for name in TRACKED_FIELDS
    ]
    ids = set(ci_ids)
    data: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for row in ConfigurationItem.objects.filter(pk__in=chunk).values(*value_names):
            item: dict[str, Any] = {"id": row["id"], "number": row["number"],
                                    "ci_class": row["ci_class_id"]}  # fmt: skip
            for name in TRACKED_FIELDS:
                value = row[f"{name}_id" if name in FK_FIELDS else name]
                item[name] = value.isoformat() if isinstance(value, dt.datetime) else value
            item["attributes"] = dict(row["attributes"] or {})
            item["relationships"] = []
            data[row["id"]] = item
    seen: set[int] = set()
    for chunk in _chunks(data):
        relationships = (
            Relationship.objects.filter(valid_to__isnull=True)
            .filter(Q(source_id__in=chunk) | Q(target_id__in=chunk))
            .values("id", "type__code", "source_id", "target_id", "valid_from", "valid_to")
            .order_by("pk")
        )
        for rel in relationships:
            if rel["id"] in seen:
                continue
            seen.add(rel["id"])
            entry = {
                "id": rel["id"],
                "type": rel["type__code"],
                "source": rel["source_id"],
                "target": rel["target_id"],
                "valid_from": _iso(rel["valid_from"]),
                "valid_to": _iso(rel["valid_to"]),
            }
            for end in {rel["source_id"], rel["target_id"]}:
                if end in data:
                    data[end]["relationships"].append(entry)
    return data


def service_ci_ids(service: Service) -> set[int]:
    """The service's own CI and every CI it runs on or depends on, at any depth."""
    ci_id = ConfigurationItem.objects.filter(service=service).values_list("pk", flat=True).first()
    if ci_id is None:
        raise ValidationError(
            {"service": [f"The service {service.name} has no CI in the CMDB to start from."]}
        )
    return {ci_id} | supporting_ci_ids(ci_id)


# --- Taking a baseline -------------------------------------------------------------------


def baseline_take(
    *,
    actor: Person,
    name: str,
    description: str = "",
    ci_ids: Iterable[int] | None = None,
    service: Service | None = None,
    permission: str = TAKE,
) -> Baseline:
    """Freeze a set of CIs with their attributes and relations (seed 003 ch. 4, proc. 4:
    the reference the real configuration and later CMDB states are checked against).

    Either ``service`` (its CI plus everything it runs on, at any depth) or ``ci_ids``.
    ``permission`` lets a procedure that owns the baseline name its own right: the release
    administrator takes a release's baselines under ``releases.deployment.transfer``.
    """
    permissions.require(actor, permission)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the baseline a name."]
    elif len(name) > 200:
        errors["name"] = ["Keep the name to 200 characters."]
    wanted = {int(pk) for pk in ci_ids} if ci_ids is not None else set()
    if service is not None and wanted:
        errors["cis"] = ["Choose a service or a list of CIs, not both."]
    elif service is None and not wanted:
        errors["cis"] = ["Choose a service or list the CIs to include."]
    if errors:
        raise ValidationError(errors)
    if service is not None:
        wanted = service_ci_ids(service)
    if len(wanted) > MAX_ITEMS:
        raise ValidationError(
            {
                "cis": [
                    f"A baseline holds at most {MAX_ITEMS} CIs; this one would hold {len(wanted)}."
                ]
            }
        )
    with transaction.atomic():
        taken_at = timezone.now()
        data = current_data(wanted)
        missing = sorted(wanted - set(data))
        if missing:
            listed = ", ".join(str(pk) for pk in missing[:20])
            raise ValidationError({"cis": [f"No configuration item with id {listed}."]})
        baseline = Baseline(
            name=name,
            description=description or "",
            service=service,
            taken_at=taken_at,
            taken_by=actor,
        )
        numbering.assign(baseline)
        baseline.full_clean()
        baseline.save()
        BaselineItem.objects.bulk_create(
            (BaselineItem(baseline=baseline, ci_id=pk, data=data[pk]) for pk in sorted(data)),
            batch_size=_BULK,
        )
        journal.created(
            baseline,
            actor=actor,
            summary=f"{baseline} ({len(data)} CI{'s' if len(data) != 1 else ''})",
        )
    return baseline


# --- Comparing --------------------------------------------------------------------------


def _relation_key(rel: Mapping[str, Any]) -> tuple[int, str, int]:
    return (rel["source"], rel["type"], rel["target"])


def _ci_row(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": data["id"], "number": data.get("number", ""), "name": data.get("name", "")}


def _order(row: Mapping[str, Any]) -> tuple[str, int]:
    return (row.get("number") or "", row.get("id") or 0)


def diff(old: Mapping[int, Mapping[str, Any]], new: Mapping[int, Mapping[str, Any]]) -> dict:
    """What changed from ``old`` to ``new`` (each ``{ci id: data}`` in the ``ci_as_of``
    shape). A pure function.

    - ``added`` / ``removed``: CIs only in ``new`` / only in ``old``;
    - ``changed``: CIs in both whose fields or attributes differ, each with
      ``changes`` = [{"field", "kind" ("field" or "attribute"), "old", "new"}]; an attribute
      that is absent on one side reads None;
    - ``relations_added`` / ``relations_removed``: relations compared by (source, type,
      target), over the relations of the CIs present on both sides (an added or removed CI
      is reported as such, not once more through each of its relations).

    Lists are ordered by CI number (relations by source, type, target).
    """
    old_ids, new_ids = set(old), set(new)
    common = old_ids & new_ids
    added = sorted((_ci_row(new[pk]) for pk in new_ids - old_ids), key=_order)
    removed = sorted((_ci_row(old[pk]) for pk in old_ids - new_ids), key=_order)
    changed = []
    for pk in common:
        before, after = old[pk], new[pk]
        changes = [
            {"field": name, "kind": "field", "old": before.get(name), "new": after.get(name)}
            for name in COMPARED_FIELDS
            if before.get(name) != after.get(name)
        ]
        old_attrs = before.get("attributes") or {}
        new_attrs = after.get("attributes") or {}
        for key in sorted(set(old_attrs) | set(new_attrs)):
            if old_attrs.get(key) != new_attrs.get(key):
                changes.append(
                    {"field": key, "kind": "attribute",
                     "old": old_attrs.get(key), "new": new_attrs.get(key)}
                )  # fmt: skip
        if changes:
            changed.append({**_ci_row(after), "changes": changes})
    changed.sort(key=_order)

    def relations(side: Mapping[int, Mapping[str, Any]]) -> set[tuple[int, str, int]]:
        return {_relation_key(rel) for pk in common for rel in side[pk].get("relationships") or []}

    old_relations, new_relations = relations(old), relations(new)
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "relations_added": [
            {"source": s, "type": t, "target": g}
            for s, t, g in sorted(new_relations - old_relations)
        ],
        "relations_removed": [
            {"source": s, "type": t, "target": g}
            for s, t, g in sorted(old_relations - new_relations)
        ],
    }


def baseline_data(baseline: Baseline) -> dict[int, dict[str, Any]]:
    """The baseline's frozen ``{ci id: data}`` (one query)."""
    return dict(BaselineItem.objects.filter(baseline=baseline).values_list("ci_id", "data"))


def now_ci_ids(baseline: Baseline, frozen: Iterable[int]) -> set[int]:
    """The CI set "now" stands for: for a service baseline, what the service runs on
    today (so CIs that newly support it are added and CIs it no longer runs on are
    removed); otherwise the same CIs as the baseline."""
    frozen = set(frozen)
    if baseline.service_id is None:
        return frozen
    ci_id = (
        ConfigurationItem.objects.filter(service_id=baseline.service_id)
        .values_list("pk", flat=True)
        .first()
    )
    if ci_id is None:
        return set()
    return {ci_id} | supporting_ci_ids(ci_id)


def _display_names(result: dict, old: Mapping, new: Mapping) -> dict[str, dict[int, str]]:
    """Names for the record ids a comparison shows: CIs at relation ends, and the class,
    owner, support group and service behind changed reference fields (one query each)."""
    wanted: dict[str, set[int]] = {key: set() for key in _REFERENCES}
    for row in result["changed"]:
        for change in row["changes"]:
            if change["kind"] == "field" and change["field"] in _REFERENCES:
                for value in (change["old"], change["new"]):
                    if isinstance(value, int):
                        wanted[change["field"]].add(value)
    names: dict[str, dict[int, str]] = {}
    for key, model in _REFERENCES.items():
        names[key] = {}
        for chunk in _chunks(wanted[key]):
            for obj in model.objects.filter(pk__in=chunk):
                names[key][obj.pk] = (
                    obj.display_name if isinstance(obj, Person) else str(getattr(obj, "name", obj))
                )
    cis: dict[int, dict[str, Any]] = {}
    for side in (old, new):
        for pk, data in side.items():
            cis.setdefault(pk, _ci_row(data))
    ends = {
        rel[end]
        for key in ("relations_added", "relations_removed")
        for rel in result[key]
        for end in ("source", "target")
    } - set(cis)
    for chunk in _chunks(ends):
        for row in ConfigurationItem.objects.filter(pk__in=chunk).values("id", "number", "name"):
            cis[row["id"]] = row
    names["ci"] = {pk: f"{row['number']} {row['name']}".strip() for pk, row in cis.items()}
    return names


def _label(names: dict[int, str], value: Any) -> Any:
    if value is None or value == "":
        return value
    return names.get(value, f"#{value}") if isinstance(value, int) else value


def _status_text(value: Any) -> Any:
    return CIStatus(value).label if value in CIStatus.values else value


def baseline_compare(a: Baseline, b: Baseline | None = None) -> dict[str, Any]:
    """Compare baseline ``a`` with baseline ``b``, or with now when ``b`` is None.

    Returns ``diff(a, b)`` with readable labels added: each field change gets
    ``label``, ``old_text`` and ``new_text`` (names instead of ids), and each relation
    ``source_text``, ``target_text``. Callers fetch ``a`` and ``b`` through the queries
    module, so the actor may see them.
    """
    old = baseline_data(a)
    new = baseline_data(b) if b is not None else current_data(now_ci_ids(a, old))
    result = diff(old, new)
    names = _display_names(result, old, new)
    for row in result["changed"]:
        for change in row["changes"]:
            field = change["field"]
            if change["kind"] == "attribute":
                change["label"] = field
                change["old_text"], change["new_text"] = change["old"], change["new"]
                continue
            change["label"] = FIELD_LABELS.get(field, field)
            lookup = names.get(field)
            if field == "status":
                change["old_text"] = _status_text(change["old"])
                change["new_text"] = _status_text(change["new"])
            elif lookup is not None:
                change["old_text"] = _label(lookup, change["old"])
                change["new_text"] = _label(lookup, change["new"])
            else:
                change["old_text"], change["new_text"] = change["old"], change["new"]
    type_names = dict(RelationshipType.objects.values_list("code", "name"))
    for key in ("relations_added", "relations_removed"):
        for rel in result[key]:
            rel["type_text"] = type_names.get(rel["type"], rel["type"])
            rel["source_text"] = names["ci"].get(rel["source"], f"#{rel['source']}")
            rel["target_text"] = names["ci"].get(rel["target"], f"#{rel['target']}")
    result["counts"] = {key: len(result[key]) for key in
                        ("added", "removed", "changed", "relations_added", "relations_removed")}  # fmt: skip
    return result


# --- Restoring -----------------------------------------------------------------------------

_CAUSE_LENGTH = 40  # CIChange.cause and Relationship.cause


def _restore_value(name: str, value: Any) -> Any:
    """A field value as ``ci_update`` takes it: records for the reference fields."""
    if name in FK_FIELDS and value is not None:
        return _REFERENCES[name].objects.filter(pk=value).first()
    return value


def baseline_restore(
    *, actor: Person, baseline: Baseline, reason: str, permission: str = CHANGE
) -> dict[str, Any]:
    """Put the CMDB back as ``baseline`` froze it (a release's rollback, seed 004): each
    CI's fields and attributes as recorded (``ci_update``), the relations of its CIs
    that were added since ended (``relationship_end``) and those ended since added again
    (``relationship_add``). Every write goes through the CMDB services, so the history
    and the CIs' timelines show it, with ``reason`` (cut to 40 characters) as the cause.

    What cannot be put back is listed, not forced: a CI that changed class, a reference
    (owner, group, service) that no longer exists, a relation whose type is gone.
    ``permission``: the right the writes are made under (as for ``ci_update``).

    Returns ``{"cis": [{id, number, name, fields, attributes}], "relations_ended":
    [{source, type, target}], "relations_added": [...], "not_restored": [{id, number,
    detail}]}``; all lists empty when the CMDB already matched the baseline.
    """
    permissions.require(actor, permission)
    write = {"actor": actor, "cause": (reason or "").strip()[:_CAUSE_LENGTH],
             "permission": permission}  # fmt: skip
    old = baseline_data(baseline)
    result: dict[str, Any] = {"cis": [], "relations_ended": [], "relations_added": [],
                              "not_restored": []}  # fmt: skip
    with transaction.atomic():
        now = current_data(set(old))
        for pk in sorted(old):
            _restore_ci(pk, old[pk], now.get(pk), result, write)
        _restore_relations(old, now, result, write)
    return result


def _restore_ci(pk: int, before: Mapping[str, Any], current: Mapping[str, Any] | None,
                result: dict[str, Any], write: dict[str, Any]) -> None:  # fmt: skip
    """One CI's fields and attributes back as ``before`` recorded them (or why not)."""
    if current is None:
        result["not_restored"].append(
            {**_ci_row(before), "detail": "The CI is no longer in the CMDB."}
        )
        return
    if before.get("ci_class") != current.get("ci_class"):
        result["not_restored"].append(
            {**_ci_row(before), "detail": "The CI changed class since the baseline."}
        )
    data: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name in before and before[name] != current.get(name):
            value = _restore_value(name, before[name])
            if name in FK_FIELDS and before[name] is not None and value is None:
                result["not_restored"].append(
                    {**_ci_row(before), "detail": f"{FIELD_LABELS[name]} #{before[name]} "
                     "no longer exists."}
                )  # fmt: skip
                continue
            data[name] = value
    old_attrs = before.get("attributes") or {}
    new_attrs = current.get("attributes") or {}
    attributes = {
        key: old_attrs.get(key)
        for key in sorted(set(old_attrs) | set(new_attrs))
        if old_attrs.get(key) != new_attrs.get(key)
    }
    if attributes:
        data["attributes"] = attributes
    if not data:
        return
    ci_update(ci_id=pk, data=data, **write)
    result["cis"].append(
        {**_ci_row(before),
         "fields": sorted(n for n in data if n != "attributes"),
         "attributes": sorted(attributes)}
    )  # fmt: skip


def _restore_relations(old: Mapping[int, Mapping[str, Any]], now: Mapping[int, Mapping[str, Any]],
                       result: dict[str, Any], write: dict[str, Any]) -> None:  # fmt: skip
    """End the relations of the baseline's CIs added since; add back those ended since."""

    def keys(side: Mapping[int, Mapping[str, Any]]) -> set[tuple[int, str, int]]:
        return {_relation_key(rel) for pk in old if pk in now
                for rel in side[pk].get("relationships") or []}  # fmt: skip

    wanted, present = keys(old), keys(now)
    for source, code, target in sorted(present - wanted):
        for rel_id in Relationship.objects.filter(
            source_id=source, target_id=target, type__code=code, valid_to__isnull=True
        ).values_list("pk", flat=True):
            relationship_end(relationship_id=rel_id, **write)
        result["relations_ended"].append({"source": source, "type": code, "target": target})
    types = dict(RelationshipType.objects.values_list("code", "pk"))
    existing = set(ConfigurationItem.objects.filter(
        pk__in={end for key in wanted - present for end in (key[0], key[2])}
    ).values_list("pk", flat=True))  # fmt: skip
    for source, code, target in sorted(wanted - present):
        if code not in types or source not in existing or target not in existing:
            ci = old.get(source) or old.get(target) or {"id": source}
            result["not_restored"].append(
                {**_ci_row(ci), "detail": f"The relation {source} {code} {target} cannot "
                 "be made again: its type or a CI is gone."}
            )  # fmt: skip
            continue
        relationship_add(source_id=source, target_id=target, type_id=types[code], **write)
        result["relations_added"].append({"source": source, "type": code, "target": target})
