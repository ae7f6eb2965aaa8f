"""Integrity checks of the CMDB, run every day and on demand.

Seed 003 ch. 4, procedures 3 and 4 ask the configuration administrator to make sure the
necessary attributes are specified for each CI and that it is related to the other CIs
and services as needed; these checks find where that did not happen:

- ``missing_mandatory``: a mandatory attribute (of the class or a parent class) is
  absent, null or empty;
- ``broken_rule``: a current relationship whose type has class rules, none of which
  allows the source's and target's classes (a rule on a class covers its subclasses);
- ``orphan``: a CI in production that is not a service's CI and that no service runs on,
  at any depth (so no service is affected when it fails);
- ``stale``: not updated for ``stale_after_days`` and not verified in that time either;
- ``duplicate_serial``: a serial number (ignoring case and surrounding spaces) shared by
  more than one CI.

Retired CIs are ignored by every check. Each check is a set-based query (a count and the
first findings, never a Python loop over every CI), so a run stays quick on a CMDB of a
hundred thousand CIs. A run stores the count per check and at most ``FINDINGS_CAP``
findings per check.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Trim, Upper
from django.utils import timezone

from steward.configuration.choices import CIStatus, IntegrityCheck, RunTrigger
from steward.configuration.models import (
    AttributeDefinition,
    CIClass,
    ConfigurationItem,
    IntegrityRun,
    Relationship,
    RelationshipRule,
    RelationshipType,
)
from steward.core import journal, permissions
from steward.core.models import Person

RUN = "configuration.integrity.run"
FINDINGS_CAP = 200
DEFAULT_STALE_AFTER_DAYS = 180
MAX_STALE_AFTER_DAYS = 36_500

Finding = dict[str, Any]


def stale_after_days_default() -> int:
    """``settings.CMDB_STALE_AFTER_DAYS``, 180 when not set."""
    return int(getattr(settings, "CMDB_STALE_AFTER_DAYS", DEFAULT_STALE_AFTER_DAYS))


def _live() -> QuerySet[ConfigurationItem]:
    """The CIs the checks look at: every CI except retired ones."""
    return ConfigurationItem.objects.exclude(status=CIStatus.RETIRED)


def _finding(check: str, ci_id: int, number: str, name: str, detail: str) -> Finding:
    return {"check": check, "ci": ci_id, "number": number, "name": name, "detail": detail}


def _ancestor_ids() -> dict[int, list[int]]:
    """{class id: [the class and its parents, nearest first]} from one query."""
    parents = dict(CIClass.objects.values_list("pk", "parent_id"))
    chains: dict[int, list[int]] = {}
    for pk in parents:
        chain, current = [], pk
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        chains[pk] = chain
    return chains


# --- Missing mandatory attributes ---------------------------------------------------------


def _missing(key: str) -> Q:
    """The JSON key is absent, null or the empty text."""
    return (
        ~Q(attributes__has_key=key)
        | Q(**{f"attributes__{key}": None})
        | Q(**{f"attributes__{key}": ""})
    )


def _absent(attributes: dict[str, Any], key: str) -> bool:
    value = (attributes or {}).get(key)
    return value is None or value == ""


def check_missing_mandatory(cap: int = FINDINGS_CAP) -> tuple[int, list[Finding]]:
    """CIs lacking a mandatory attribute of their class or of a parent class."""
    chains = _ancestor_ids()
    mandatory: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for class_id, key, label in AttributeDefinition.objects.filter(mandatory=True).values_list(
        "ci_class_id", "key", "label"
    ):
        mandatory[class_id].append((key, label))
    # Per class: its own and inherited mandatory keys; then per key: the classes needing it.
    needed: dict[int, list[tuple[str, str]]] = {}
    classes_by_key: dict[str, set[int]] = defaultdict(set)
    for class_id, chain in chains.items():
        keys = [pair for ancestor in reversed(chain) for pair in mandatory.get(ancestor, [])]
        if keys:
            needed[class_id] = keys
            for key, _ in keys:
                classes_by_key[key].add(class_id)
    if not classes_by_key:
        return 0, []
    condition = Q()
    for key, class_ids in sorted(classes_by_key.items()):
        condition |= Q(ci_class_id__in=sorted(class_ids)) & _missing(key)
    qs = _live().filter(condition)
    count = qs.count()
    findings = []
    for row in qs.order_by("number").values("id", "number", "name", "ci_class_id", "attributes")[
        :cap
    ]:
        labels = [
            label for key, label in needed[row["ci_class_id"]] if _absent(row["attributes"], key)
        ]
        findings.append(
            _finding(
                IntegrityCheck.MISSING_MANDATORY,
                row["id"],
                row["number"],
                row["name"],
                f"Missing: {', '.join(labels)}.",
            )
        )
    return count, findings


# --- Relationships that break their type's class rules ---------------------------------


def check_broken_rules(cap: int = FINDINGS_CAP) -> tuple[int, list[Finding]]:
    """Current relationships between live CIs that no rule of their type allows."""
    rules: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for type_id, source_id, target_id in RelationshipRule.objects.values_list(
        "type_id", "source_class_id", "target_class_id"
    ):
        rules[type_id].add((source_id, target_id))
    if not rules:
        return 0, []
    current = Relationship.objects.filter(valid_to__isnull=True, type_id__in=rules).exclude(
        Q(source__status=CIStatus.RETIRED) | Q(target__status=CIStatus.RETIRED)
    )
    # The class pairs in use are few: count the relationships per pair in one grouped
    # query, decide each pair once, then select the first findings of the bad pairs.
    chains = _ancestor_ids()
    combos = (
        current.order_by()
        .values_list("type_id", "source__ci_class_id", "target__ci_class_id")
        .annotate(n=Count("pk"))
    )
    broken, count = Q(), 0
    for type_id, source_class, target_class, n in combos:
        allowed = any(
            s in chains.get(source_class, [source_class])
            and t in chains.get(target_class, [target_class])
            for s, t in rules[type_id]
        )
        if not allowed:
            count += n
            broken |= Q(
                type_id=type_id,
                source__ci_class_id=source_class,
                target__ci_class_id=target_class,
            )
    if not count:
        return 0, []
    qs = current.filter(broken)
    findings = []
    rows = qs.order_by("source__number", "type__name", "target__number").values(
        "source_id", "source__number", "source__name", "source__ci_class__name",
        "type__name", "target__number", "target__name", "target__ci_class__name",
    )[:cap]  # fmt: skip
    for row in rows:
        findings.append(
            _finding(
                IntegrityCheck.BROKEN_RULE,
                row["source_id"],
                row["source__number"],
                row["source__name"],
                f"{row['type__name']} {row['target__number']} {row['target__name']}: "
                f"no rule lets {row['type__name']} link a {row['source__ci_class__name']} "
                f"to a {row['target__ci_class__name']}.",
            )
        )
    return count, findings


# --- Orphans ----------------------------------------------------------------------------


def _supporting_any_service_sql() -> tuple[str, list[Any]]:
    """One recursive query: the ids of every live service CI and of every live CI those
    run on, at any depth, over current impacting relationships (as ``impact``)."""
    qn = connection.ops.quote_name
    ci = qn(ConfigurationItem._meta.db_table)
    rel = qn(Relationship._meta.db_table)
    rtype = qn(RelationshipType._meta.db_table)
    sql = (
        f"WITH RECURSIVE reached(id) AS ("
        f" SELECT c.{qn('id')} FROM {ci} c"
        f" WHERE c.{qn('service_id')} IS NOT NULL AND c.{qn('status')} <> %s"
        f" UNION"
        f" SELECT r.{qn('target_id')} FROM {rel} r"
        f" JOIN reached ON r.{qn('source_id')} = reached.id"
        f" JOIN {ci} t ON t.{qn('id')} = r.{qn('target_id')}"
        f" WHERE r.{qn('valid_to')} IS NULL AND t.{qn('status')} <> %s"
        f" AND r.{qn('type_id')} IN (SELECT rt.{qn('id')} FROM {rtype} rt"
        f" WHERE rt.{qn('impact_flows_to_source')} = %s)"
        f") SELECT id FROM reached"
    )
    return sql, [CIStatus.RETIRED.value, CIStatus.RETIRED.value, True]


def check_orphans(cap: int = FINDINGS_CAP) -> tuple[int, list[Finding]]:
    """CIs in production that stand for no service and that no service runs on."""
    sql, params = _supporting_any_service_sql()
    qs = ConfigurationItem.objects.filter(
        status=CIStatus.IN_PRODUCTION, service__isnull=True
    ).exclude(pk__in=RawSQL(sql, params))
    count = qs.count()
    findings = [
        _finding(
            IntegrityCheck.ORPHAN,
            row["id"],
            row["number"],
            row["name"],
            f"No service runs on this {row['ci_class__name']}.",
        )
        for row in qs.order_by("number").values("id", "number", "name", "ci_class__name")[:cap]
    ]
    return count, findings


# --- Stale CIs ------------------------------------------------------------------------


def check_stale(
    stale_after_days: int, *, now: dt.datetime | None = None, cap: int = FINDINGS_CAP
) -> tuple[int, list[Finding]]:
    """CIs neither updated nor verified in the last ``stale_after_days`` days."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=stale_after_days)
    qs = _live().filter(
        Q(updated_at__lt=cutoff),
        Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff),
    )
    count = qs.count()
    findings = []
    rows = qs.order_by("updated_at", "number").values(
        "id", "number", "name", "updated_at", "last_verified_at"
    )[:cap]
    for row in rows:
        verified = row["last_verified_at"]
        checked = f"last verified {verified:%Y-%m-%d}" if verified else "never verified"
        findings.append(
            _finding(
                IntegrityCheck.STALE,
                row["id"],
                row["number"],
                row["name"],
                f"Not updated since {row['updated_at']:%Y-%m-%d}; {checked}.",
            )
        )
    return count, findings


# --- Duplicate serial numbers -----------------------------------------------------------


def check_duplicate_serials(cap: int = FINDINGS_CAP) -> tuple[int, list[Finding]]:
    """Live CIs whose serial number (ignoring case and spaces) another live CI has."""
    serials = _live().annotate(serial=Upper(Trim("serial_number"))).exclude(serial="")
    shared = (
        serials.order_by().values("serial").annotate(n=Count("pk")).filter(n__gt=1).values("serial")
    )
    qs = serials.filter(serial__in=shared)
    count = qs.count()
    rows = list(qs.order_by("serial", "number").values("id", "number", "name", "serial")[:cap])
    # The other holders of the serials shown (each group is small): one more query.
    holders: dict[str, list[str]] = defaultdict(list)
    for serial, number in (
        serials.filter(serial__in={r["serial"] for r in rows})
        .order_by("number")
        .values_list("serial", "number")
    ):
        holders[serial].append(number)
    findings = []
    for row in rows:
        others = [n for n in holders[row["serial"]] if n != row["number"]]
        findings.append(
            _finding(
                IntegrityCheck.DUPLICATE_SERIAL,
                row["id"],
                row["number"],
                row["name"],
                f"Serial number {row['serial']} is also on {', '.join(others)}.",
            )
        )
    return count, findings


# --- Runs -------------------------------------------------------------------------------


def run_checks(stale_after_days: int) -> tuple[dict[str, int], list[Finding]]:
    """Every check: ({check: count}, findings capped per check), in the choices' order."""
    checks: dict[str, Callable[[], tuple[int, list[Finding]]]] = {
        IntegrityCheck.MISSING_MANDATORY: check_missing_mandatory,
        IntegrityCheck.BROKEN_RULE: check_broken_rules,
        IntegrityCheck.ORPHAN: check_orphans,
        IntegrityCheck.STALE: lambda: check_stale(stale_after_days),
        IntegrityCheck.DUPLICATE_SERIAL: check_duplicate_serials,
    }
    counts: dict[str, int] = {}
    findings: list[Finding] = []
    for check in IntegrityCheck.values:
        count, found = checks[check]()
        counts[check] = count
        findings.extend(found)
    return counts, findings


def _days(value: Any) -> int:
    if value is None:
        value = stale_after_days_default()
    if isinstance(value, bool):
        value = None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_STALE_AFTER_DAYS:
        raise ValidationError(
            {"stale_after_days": [f"Give a whole number of days from 1 to {MAX_STALE_AFTER_DAYS}."]}
        )
    return days


def integrity_run(
    *,
    actor: Person | None = None,
    trigger: str,
    stale_after_days: int | None = None,
) -> IntegrityRun:
    """Run every integrity check and keep the counts and findings (seed 003 ch. 4,
    procedures 3 and 4: the necessary attributes and relations of each CI).

    On demand a person runs it and needs ``configuration.integrity.run``; the daily
    scheduled run has no actor. ``stale_after_days`` defaults to
    ``settings.CMDB_STALE_AFTER_DAYS`` (180).
    """
    if actor is not None:
        permissions.require(actor, RUN)
    if trigger not in RunTrigger.values:
        raise ValidationError({"trigger": [f"Choose one of: {', '.join(RunTrigger.values)}."]})
    days = _days(stale_after_days)
    started_at = timezone.now()
    counts, findings = run_checks(days)
    with transaction.atomic():
        run = IntegrityRun.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            trigger=trigger,
            actor=actor,
            stale_after_days=days,
            counts=counts,
            findings=findings,
        )
        total = sum(counts.values())
        journal.created(
            run, actor=actor, summary=f"{run}: {total} finding{'s' if total != 1 else ''}"
        )
    return run


def integrity_run_scheduled() -> IntegrityRun:
    """The daily run (no actor): what the periodic task calls."""
    return integrity_run(actor=None, trigger=RunTrigger.SCHEDULED)
