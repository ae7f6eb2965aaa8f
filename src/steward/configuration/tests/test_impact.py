"""Impact analysis: hand-made graphs with exact answers, a property test against a
pure-Python reference traversal, and what a failure means for services, SLAs, customers."""

import itertools
from collections import deque
from datetime import UTC, date, datetime

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from steward.configuration.models import (
    CIClass,
    ConfigurationItem,
    Relationship,
    RelationshipType,
)
from steward.configuration.queries.impact import (
    affected_ci_ids,
    impact_of,
    runs_on,
    supporting_ci_ids,
)
from steward.core.testing.properties import DATABASE_PROPERTIES
from steward.core.tests.factories import OrganisationFactory, SupportGroupFactory
from steward.service_level.models import Agreement, Service

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
_numbers = itertools.count(1)


def _types() -> tuple[RelationshipType, RelationshipType]:
    runs, _ = RelationshipType.objects.get_or_create(
        code="runs-on", defaults={"name": "runs on", "reverse_name": "runs"}
    )
    docs, _ = RelationshipType.objects.get_or_create(
        code="documented-by",
        defaults={
            "name": "documented by",
            "reverse_name": "documents",
            "impact_flows_to_source": False,
        },
    )
    return runs, docs


def _cis(count: int, **kwargs) -> list[ConfigurationItem]:
    ci_class, _ = CIClass.objects.get_or_create(
        code="server", defaults={"name": "Server", "category": "hardware"}
    )
    items = []
    for _ in range(count):
        n = next(_numbers)
        items.append(
            ConfigurationItem(number=f"CI{n:07d}", name=f"ci {n:05d}", ci_class=ci_class, **kwargs)
        )
    ConfigurationItem.objects.bulk_create(items)
    # SQLite's bulk_create does not return ids everywhere: read them back in order.
    return list(
        ConfigurationItem.objects.filter(number__in=[i.number for i in items]).order_by("number")
    )


def _link(edges, rtype=None, ended: bool = False) -> None:
    """Create relationships (source, target): "source runs on target"."""
    rtype = rtype or _types()[0]
    Relationship.objects.bulk_create(
        Relationship(
            source=s,
            target=t,
            type=rtype,
            valid_from=SINCE,
            valid_to=SINCE.replace(month=6) if ended else None,
        )
        for s, t in edges
    )


def _ids(*cis) -> set[int]:
    return {c.pk for c in cis}


@pytest.mark.django_db
class TestHandMadeGraphs:
    def test_a_chain_affects_everything_above_and_supports_everything_below(self):
        svc, app, vm, host = _cis(4)
        _link([(svc, app), (app, vm), (vm, host)])
        assert affected_ci_ids(host.pk) == _ids(svc, app, vm)
        assert affected_ci_ids(app.pk) == _ids(svc)
        assert affected_ci_ids(svc.pk) == set()
        assert supporting_ci_ids(svc.pk) == _ids(app, vm, host)
        assert supporting_ci_ids(host.pk) == set()

    def test_a_diamond_is_counted_once(self):
        top, left, right, bottom = _cis(4)
        _link([(top, left), (top, right), (left, bottom), (right, bottom)])
        assert affected_ci_ids(bottom.pk) == _ids(top, left, right)
        assert affected_ci_ids(left.pk) == _ids(top)
        assert supporting_ci_ids(top.pk) == _ids(left, right, bottom)

    def test_a_cycle_terminates_and_never_lists_the_failed_ci_itself(self):
        a, b, c, outside = _cis(4)
        _link([(a, b), (b, c), (c, a), (outside, c)])
        assert affected_ci_ids(a.pk) == _ids(b, c, outside)
        assert affected_ci_ids(outside.pk) == set()
        assert supporting_ci_ids(a.pk) == _ids(b, c)
        assert supporting_ci_ids(outside.pk) == _ids(a, b, c)

    def test_separate_components_do_not_touch(self):
        a1, a2, b1, b2 = _cis(4)
        _link([(a1, a2), (b1, b2)])
        assert affected_ci_ids(a2.pk) == _ids(a1)
        assert affected_ci_ids(b2.pk) == _ids(b1)
        assert supporting_ci_ids(a1.pk) == _ids(a2)

    def test_an_ended_relationship_carries_no_impact(self):
        app, old_host, new_host = _cis(3)
        _link([(app, old_host)], ended=True)
        _link([(app, new_host)])
        assert affected_ci_ids(old_host.pk) == set()
        assert affected_ci_ids(new_host.pk) == _ids(app)
        assert supporting_ci_ids(app.pk) == _ids(new_host)

    def test_a_type_without_impact_is_ignored(self):
        app, manual, host = _cis(3)
        _, docs = _types()
        _link([(app, manual)], rtype=docs)
        _link([(app, host)])
        assert affected_ci_ids(manual.pk) == set()
        assert supporting_ci_ids(app.pk) == _ids(host)

    def test_an_unknown_or_isolated_ci_affects_nothing(self):
        (lonely,) = _cis(1)
        assert affected_ci_ids(lonely.pk) == set()
        assert affected_ci_ids(10**9) == set()


def _reference(start: int, edges: list[tuple[int, int]]) -> set[int]:
    """Plain BFS: every node reachable from start along (from, to) edges, minus start."""
    neighbours: dict[int, list[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, []).append(b)
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in neighbours.get(queue.popleft(), []):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen - {start}


EDGE = st.tuples(
    st.integers(0, 29),  # source
    st.integers(0, 29),  # target
    st.sampled_from(["impact", "no-impact"]),
    st.booleans(),  # ended
)


@pytest.mark.django_db
@DATABASE_PROPERTIES
@given(
    size=st.integers(min_value=1, max_value=30),
    raw_edges=st.lists(EDGE, max_size=80),
    data=st.data(),
)
def test_traversals_match_a_reference_bfs_on_random_graphs(size, raw_edges, data):
    # Each example runs in a savepoint rolled back at the end: examples share one test
    # transaction, and each must see only its own graph.
    with transaction.atomic():
        runs, docs = _types()
        nodes = _cis(size)
        edges, current_impacting = set(), []
        for s, t, kind, ended in raw_edges:
            s, t = s % size, t % size
            rtype = runs if kind == "impact" else docs
            # The model forbids self links and duplicate current links.
            if s == t or (not ended and (s, t, kind) in edges):
                continue
            if not ended:
                edges.add((s, t, kind))
                if kind == "impact":
                    current_impacting.append((s, t))
            _link([(nodes[s], nodes[t])], rtype=rtype, ended=ended)
        start = data.draw(st.integers(0, size - 1), label="failed node")
        upward = [(t, s) for s, t in current_impacting]
        pk = {i: n.pk for i, n in enumerate(nodes)}
        expect_affected = {pk[i] for i in _reference(start, upward)}
        expect_supporting = {pk[i] for i in _reference(start, current_impacting)}
        assert affected_ci_ids(pk[start]) == expect_affected
        assert supporting_ci_ids(pk[start]) == expect_supporting
        transaction.set_rollback(True)


def _service(name: str) -> Service:
    return Service.objects.create(number=f"SVC{next(_numbers):06d}", name=name)


def _sla(service: Service, customer, status: str) -> Agreement:
    return Agreement.objects.create(
        number=f"SLA{next(_numbers):06d}",
        kind="sla",
        name=f"{service.name} for {customer.name}",
        service=service,
        customer=customer,
        status=status,
        term_start=date(2025, 1, 1),
    )


@pytest.mark.django_db
class TestImpactOf:
    @pytest.fixture
    def estate(self):
        """Two services on one database host; a third service elsewhere."""
        payroll, billing, intranet = (_service(n) for n in ("Payroll", "Billing", "Intranet"))
        acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
        globex = OrganisationFactory(kind="customer", name="Globex", code="globex")
        initech = OrganisationFactory(kind="customer", name="Initech", code="initech")
        payroll_ci, billing_ci, intranet_ci = _cis(3)
        for ci, svc in ((payroll_ci, payroll), (billing_ci, billing), (intranet_ci, intranet)):
            ci.service = svc
            ci.save(update_fields=["service"])
        app, db_host, web_host = _cis(3)
        _link([(payroll_ci, app), (billing_ci, app), (app, db_host), (intranet_ci, web_host)])
        slas = {
            "payroll-acme": _sla(payroll, acme, "active"),
            "billing-globex": _sla(billing, globex, "active"),
            "billing-initech-draft": _sla(billing, initech, "draft"),
            "billing-initech-old": _sla(billing, initech, "discontinued"),
            "intranet-initech": _sla(intranet, initech, "active"),
        }
        Agreement.objects.create(
            number=f"OLA{next(_numbers):06d}",
            kind="ola",
            name="Payroll OLA",
            service=payroll,
            support_group=SupportGroupFactory(),
            status="active",
            term_start=date(2025, 1, 1),
        )
        return locals()

    def test_a_host_failure_reaches_services_their_active_slas_and_customers(self, estate):
        result = impact_of(estate["db_host"])
        assert [c.pk for c in result["cis"]] == sorted(
            (estate["app"].pk, estate["payroll_ci"].pk, estate["billing_ci"].pk),
            key=lambda pk: ConfigurationItem.objects.get(pk=pk).name,
        )
        assert [s.name for s in result["services"]] == ["Billing", "Payroll"]
        # Drafts, discontinued SLAs and OLAs are no promise to a customer.
        assert {a.pk for a in result["agreements"]} == {
            estate["slas"]["payroll-acme"].pk,
            estate["slas"]["billing-globex"].pk,
        }
        assert [o.name for o in result["customers"]] == ["Acme Bank", "Globex"]

    def test_a_service_ci_failure_includes_its_own_service(self, estate):
        result = impact_of(estate["intranet_ci"])
        assert result["cis"] == []
        assert [s.name for s in result["services"]] == ["Intranet"]
        assert [o.name for o in result["customers"]] == ["Initech"]

    def test_a_ci_nothing_depends_on_affects_no_service(self, estate):
        (lonely,) = _cis(1)
        assert impact_of(lonely) == {"cis": [], "services": [], "agreements": [], "customers": []}

    def test_runs_on_lists_what_the_service_depends_on(self, estate):
        assert {c.pk for c in runs_on(estate["payroll"])} == _ids(estate["app"], estate["db_host"])
        assert [c.pk for c in runs_on(estate["intranet"])] == [estate["web_host"].pk]

    def test_runs_on_is_empty_for_a_service_without_a_ci(self, estate):
        assert runs_on(_service("Unmodelled")) == []
