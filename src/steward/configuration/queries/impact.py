"""Impact analysis over the CI relationship graph (seed 003 ch. 4).

A relationship reads from source to target ("app runs on server"). When its type has
``impact_flows_to_source``, a failure of the target affects the source. Only current
relationships (``valid_to IS NULL``) count.

Each traversal is one ``WITH RECURSIVE ... UNION`` query: ``UNION`` (not ``UNION ALL``)
drops rows already seen, so cycles terminate and diamonds are visited once. The same SQL
runs on SQLite and PostgreSQL.

These are graph primitives: they do not restrict results to what an actor may see;
callers showing the results to a person filter them through the queries module.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection

from steward.configuration.models import ConfigurationItem, Relationship, RelationshipType
from steward.core.models import Organisation
from steward.service_level.choices import AgreementKind, AgreementStatus
from steward.service_level.models import Agreement, Service

# Keeps every IN list under SQLite's smallest bound-parameter limit (999).
_CHUNK = 900


def _traversal_sql(*, walk_from: str, walk_to: str) -> str:
    """SQL collecting every CI reachable from %s by stepping ``walk_from`` -> ``walk_to``."""
    qn = connection.ops.quote_name
    rel = qn(Relationship._meta.db_table)
    rtype = qn(RelationshipType._meta.db_table)
    # Seeding from the CI table gives the start the id column's own type (PostgreSQL
    # refuses an integer literal unioned with bigint ids).
    ci = qn(ConfigurationItem._meta.db_table)
    # The type filter is a subquery, not a join, so the recursive term names the CTE once
    # (SQLite's rule) and the small type table is read once per step at most.
    return (
        f"WITH RECURSIVE reached(id) AS ("
        f" SELECT c.{qn('id')} FROM {ci} c WHERE c.{qn('id')} = %s"
        f" UNION"
        f" SELECT r.{qn(walk_to)} FROM {rel} r JOIN reached ON r.{qn(walk_from)} = reached.id"
        f" WHERE r.{qn('valid_to')} IS NULL"
        f" AND r.{qn('type_id')} IN (SELECT t.{qn('id')} FROM {rtype} t"
        f" WHERE t.{qn('impact_flows_to_source')} = %s)"
        f") SELECT id FROM reached"
    )


def _reach(ci_id: int, *, walk_from: str, walk_to: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(_traversal_sql(walk_from=walk_from, walk_to=walk_to), [ci_id, True])
        found = {row[0] for row in cursor.fetchall()}
    found.discard(ci_id)
    return found


def affected_ci_ids(ci_id: int) -> set[int]:
    """Ids of every CI affected, at any depth, when the CI ``ci_id`` fails (not itself).

    Follows current impacting relationships from target to source.
    """
    return _reach(ci_id, walk_from="target_id", walk_to="source_id")


def supporting_ci_ids(ci_id: int) -> set[int]:
    """Ids of every CI that ``ci_id`` runs on or depends on, at any depth (not itself)."""
    return _reach(ci_id, walk_from="source_id", walk_to="target_id")


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _cis(ids: Iterable[int]) -> list[ConfigurationItem]:
    items = [
        ci
        for chunk in _chunks(ids)
        for ci in ConfigurationItem.objects.filter(pk__in=chunk).select_related("ci_class")
    ]
    return sorted(items, key=lambda ci: (ci.name, ci.number))


def impact_of(ci: ConfigurationItem) -> dict[str, list]:
    """What a failure of ``ci`` affects: CIs, business services, active SLAs, customers.

    ``services`` includes the CI's own service when ``ci`` stands for one; ``customers``
    are the customer organisations of those active SLAs. Each list is sorted by name
    (CIs by name then number, agreements by number).
    """
    cis = _cis(affected_ci_ids(ci.pk))
    service_ids = {item.service_id for item in cis if item.service_id}
    if ci.service_id:
        service_ids.add(ci.service_id)
    services, agreements = [], []
    for chunk in _chunks(service_ids):
        services.extend(Service.objects.filter(pk__in=chunk))
        agreements.extend(
            Agreement.objects.filter(
                service_id__in=chunk, kind=AgreementKind.SLA, status=AgreementStatus.ACTIVE
            ).select_related("service", "customer")
        )
    customer_ids = {a.customer_id for a in agreements if a.customer_id}
    customers = [
        org for chunk in _chunks(customer_ids) for org in Organisation.objects.filter(pk__in=chunk)
    ]
    return {
        "cis": cis,
        "services": sorted(services, key=lambda s: s.name),
        "agreements": sorted(agreements, key=lambda a: a.number),
        "customers": sorted(customers, key=lambda o: o.name),
    }


def impact_summary(ci: ConfigurationItem) -> dict[str, Any]:
    """``impact_of`` as plain rows (``values()``, no model instances), so it stays fast
    for CIs thousands of others depend on: the API's and the CI page's answer."""
    fields = ("id", "number", "name", "ci_class__name", "service_id")
    rows = [
        row
        for chunk in _chunks(affected_ci_ids(ci.pk))
        for row in ConfigurationItem.objects.filter(pk__in=chunk).values(*fields)
    ]
    rows.sort(key=lambda r: (r["name"], r["number"]))
    service_ids = {r["service_id"] for r in rows if r["service_id"]}
    if ci.service_id:
        service_ids.add(ci.service_id)
    services_rows: list[dict[str, Any]] = []
    agreement_rows: list[dict[str, Any]] = []
    for chunk in _chunks(service_ids):
        services_rows.extend(Service.objects.filter(pk__in=chunk).values("id", "number", "name"))
        agreement_rows.extend(
            Agreement.objects.filter(
                service_id__in=chunk, kind=AgreementKind.SLA, status=AgreementStatus.ACTIVE
            ).values("id", "number", "name", "customer_id")
        )
    customer_ids = {a["customer_id"] for a in agreement_rows if a["customer_id"]}
    customer_rows = [
        row
        for chunk in _chunks(customer_ids)
        for row in Organisation.objects.filter(pk__in=chunk).values("id", "name")
    ]
    return {
        "ci": {"id": ci.pk, "number": ci.number, "name": ci.name, "class": ci.ci_class.name},
        "affected": [
            {"id": r["id"], "number": r["number"], "name": r["name"], "class": r["ci_class__name"]}
            for r in rows
        ],
        "services": sorted(services_rows, key=lambda s: s["name"]),
        "agreements": [
            {"id": a["id"], "number": a["number"], "name": a["name"]}
            for a in sorted(agreement_rows, key=lambda a: a["number"])
        ],
        "customers": sorted(customer_rows, key=lambda o: o["name"]),
    }


def runs_on(service: Service) -> list[ConfigurationItem]:
    """Every CI the service's CI runs on or depends on, transitively; [] without a CI."""
    ci_id = ConfigurationItem.objects.filter(service=service).values_list("pk", flat=True).first()
    if ci_id is None:
        return []
    return _cis(supporting_ci_ids(ci_id))
