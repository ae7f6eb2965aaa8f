"""CMDB services: classes and typed attributes, CIs, relationships and who may do what."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from steward.configuration.models import (
    AttributeDefinition,
    CIChange,
    CIClass,
    ConfigurationItem,
    Relationship,
)
from steward.configuration.queries import cis as queries
from steward.configuration.services import cis as services
from steward.core import journal
from steward.core.models import JournalEntry


@pytest.fixture
def linux(config_admin, server):
    cls = services.ci_class_create(
        actor=config_admin, name="Linux server", code="linux", category="hardware", parent=server
    )
    services.attribute_define(
        actor=config_admin, ci_class_id=cls.pk, key="kernel", label="Kernel", type="string"
    )
    return cls


@pytest.fixture
def application(config_admin):
    return services.ci_class_create(
        actor=config_admin, name="Application", code="app", category="software"
    )


def _ci(actor, ci_class, name="web01", **kw):
    if ci_class.code in {"server", "linux"}:
        kw.setdefault("attributes", {"ram_gb": 16})
    return services.ci_create(actor=actor, ci_class=ci_class, name=name, **kw)


# --- attribute validation --------------------------------------------------------------

CASES = [
    # type, extra, given, stored (or None when refused)
    ("string", {}, "abc", "abc"),
    ("string", {}, 12, None),
    ("integer", {}, 8, 8),
    ("integer", {}, "64", 64),
    ("integer", {}, "-3", -3),
    ("integer", {}, 1.5, None),
    ("integer", {}, True, None),
    ("integer", {}, "lots", None),
    ("decimal", {}, "2.50", "2.50"),
    ("decimal", {}, 3, "3"),
    ("decimal", {}, "NaN", None),
    ("decimal", {}, "two", None),
    ("decimal", {}, False, None),
    ("boolean", {}, True, True),
    ("boolean", {}, "no", False),
    ("boolean", {}, "maybe", None),
    ("date", {}, "2026-03-01", "2026-03-01"),
    ("date", {}, "01-03-2026", None),
    ("date", {}, "2026-02-30", None),
    ("choice", {"choices": ["gold", "silver"]}, "gold", "gold"),
    ("choice", {"choices": ["gold", "silver"]}, "bronze", None),
    ("ip_address", {}, "10.0.0.1", "10.0.0.1"),
    ("ip_address", {}, "2001:DB8::1", "2001:db8::1"),
    ("ip_address", {}, "10.0.0.300", None),
    ("url", {}, "https://example.com/x", "https://example.com/x"),
    ("url", {}, "not a url", None),
]


@pytest.mark.parametrize(("kind", "extra", "given", "stored"), CASES)
def test_attribute_values_are_checked_and_coerced_per_type(
    config_admin, kind, extra, given, stored
):
    cls = services.ci_class_create(actor=config_admin, name="Thing", code="thing", category="other")
    services.attribute_define(
        actor=config_admin, ci_class_id=cls.pk, key="value", label="Value", type=kind, **extra
    )
    if stored is None:
        with pytest.raises(ValidationError) as exc:
            services.validate_attributes(cls, {"value": given})
        assert list(exc.value.message_dict) == ["attributes.value"]
    else:
        assert services.validate_attributes(cls, {"value": given}) == {"value": stored}


def test_subclass_inherits_definitions_and_may_not_redefine_a_parent_key(
    config_admin, server, linux
):
    assert [d.key for d in services.definitions_for(linux)] == ["ram_gb", "kernel"]
    assert services.validate_attributes(linux, {"ram_gb": "32", "kernel": "6.1"}) == {
        "ram_gb": 32,
        "kernel": "6.1",
    }
    with pytest.raises(ValidationError) as exc:
        services.attribute_define(
            actor=config_admin, ci_class_id=linux.pk, key="ram_gb", label="RAM", type="string"
        )
    assert "Server" in exc.value.message_dict["key"][0]
    # nor may a parent take a key a subclass already uses
    with pytest.raises(ValidationError):
        services.attribute_define(
            actor=config_admin, ci_class_id=server.pk, key="kernel", label="K", type="string"
        )
    assert AttributeDefinition.objects.count() == 2


def test_unknown_and_missing_mandatory_attributes_are_refused_together(linux):
    with pytest.raises(ValidationError) as exc:
        services.validate_attributes(linux, {"colour": "red", "kernel": "6.1"})
    assert exc.value.message_dict == {
        "attributes.colour": ["The class Linux server has no attribute 'colour'."],
        "attributes.ram_gb": ["RAM is required."],
    }


def test_choice_attribute_needs_choices(config_admin, server):
    with pytest.raises(ValidationError) as exc:
        services.attribute_define(
            actor=config_admin, ci_class_id=server.pk, key="tier", label="Tier", type="choice"
        )
    assert "choices" in exc.value.message_dict


# --- CIs -------------------------------------------------------------------------------


def test_ci_create_numbers_the_ci_and_writes_history_and_journal(config_admin, linux):
    ci = _ci(config_admin, linux, attributes={"ram_gb": "16", "kernel": "6.1"}, cause="CHG1")
    assert ci.number == "CI000001"
    assert ci.attributes == {"ram_gb": 16, "kernel": "6.1"}
    rows = {c.field: (c.old_value, c.new_value, c.cause) for c in ci.changes.all()}
    assert rows == {
        "name": (None, "web01", "CHG1"),
        "status": (None, "in_production", "CHG1"),
        "attributes.ram_gb": (None, 16, "CHG1"),
        "attributes.kernel": (None, "6.1", "CHG1"),
    }
    assert journal.timeline(ci, actor=config_admin).filter(kind="created").count() == 1


def test_ci_create_refuses_missing_mandatory_attribute_and_writes_nothing(config_admin, server):
    with pytest.raises(ValidationError) as exc:
        services.ci_create(actor=config_admin, ci_class=server, name="db01")
    assert exc.value.message_dict == {"attributes.ram_gb": ["RAM is required."]}
    assert not ConfigurationItem.objects.exists()
    assert not CIChange.objects.exists()


def test_ci_update_merges_attributes_and_records_each_change(config_admin, linux, analyst):
    ci = _ci(config_admin, linux, attributes={"ram_gb": 16, "kernel": "6.1"})
    services.ci_update(
        actor=config_admin,
        ci_id=ci.pk,
        data={"location": "DC1", "owner": analyst, "attributes": {"ram_gb": 32, "kernel": None}},
        cause="CHG7",
    )
    ci.refresh_from_db()
    assert ci.location == "DC1" and ci.owner == analyst
    assert ci.attributes == {"ram_gb": 32}
    updates = {c.field: (c.old_value, c.new_value) for c in ci.changes.filter(cause="CHG7")}
    assert updates == {
        "location": ("", "DC1"),
        "owner": (None, analyst.pk),
        "attributes.ram_gb": (16, 32),
        "attributes.kernel": ("6.1", None),
    }
    timeline = {
        e.field: (e.old_value, e.new_value)
        for e in journal.timeline(ci, actor=config_admin).filter(kind="field_change")
    }
    assert timeline["RAM"] == ("16", "32")  # the timeline uses the attribute's label
    assert timeline["location"] == ("", "DC1")


def test_ci_update_without_changes_writes_nothing(config_admin, server):
    ci = _ci(config_admin, server)
    before = CIChange.objects.count(), JournalEntry.objects.count()
    services.ci_update(actor=config_admin, ci_id=ci.pk, data={"name": "web01"})
    assert (CIChange.objects.count(), JournalEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"attributes": {"ram_gb": None}}, "attributes.ram_gb"),
        ({"attributes": {"ram_gb": "big"}}, "attributes.ram_gb"),
        ({"status": "lost"}, "status"),
        ({"number": "CI9"}, "number"),
        ({"name": ""}, "name"),
    ],
)
def test_ci_update_refuses_bad_input_and_changes_nothing(config_admin, server, data, field):
    ci = _ci(config_admin, server)
    count = CIChange.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.ci_update(actor=config_admin, ci_id=ci.pk, data=data)
    assert field in exc.value.message_dict
    ci.refresh_from_db()
    assert ci.attributes == {"ram_gb": 16} and ci.status == "in_production"
    assert CIChange.objects.count() == count


def test_ci_verify_sets_last_verified_at_with_history(config_admin, server):
    ci = _ci(config_admin, server)
    services.ci_verify(actor=config_admin, ci_id=ci.pk)
    ci.refresh_from_db()
    assert ci.last_verified_at is not None
    change = ci.changes.get(field="last_verified_at")
    assert change.old_value is None and change.new_value == ci.last_verified_at.isoformat()


# --- relationships ---------------------------------------------------------------------


def test_relationship_add_and_end_journal_both_cis(config_admin, server, application, runs_on):
    app, srv = _ci(config_admin, application, "crm"), _ci(config_admin, server, "srv1")
    rel = services.relationship_add(
        actor=config_admin, source_id=app.pk, target_id=srv.pk, type_id=runs_on.pk, cause="CHG2"
    )
    assert (rel.source, rel.target, rel.valid_to, rel.created_by) == (app, srv, None, config_admin)
    assert [
        e.new_value for e in journal.timeline(app, actor=config_admin).filter(field="relationship")
    ] == [f"runs on {srv}"]
    assert [
        e.new_value for e in journal.timeline(srv, actor=config_admin).filter(field="relationship")
    ] == [f"hosts {app}"]
    services.relationship_end(actor=config_admin, relationship_id=rel.pk)
    rel.refresh_from_db()
    assert rel.valid_to is not None and rel.ended_by == config_admin
    with pytest.raises(ValidationError):
        services.relationship_end(actor=config_admin, relationship_id=rel.pk)
    # once ended, the same link may be made again
    services.relationship_add(
        actor=config_admin, source_id=app.pk, target_id=srv.pk, type_id=runs_on.pk
    )
    assert Relationship.objects.count() == 2


def test_relationship_refuses_self_links_and_duplicates(config_admin, server, runs_on):
    a, b = _ci(config_admin, server, "a"), _ci(config_admin, server, "b")
    with pytest.raises(ValidationError) as exc:
        services.relationship_add(
            actor=config_admin, source_id=a.pk, target_id=a.pk, type_id=runs_on.pk
        )
    assert "target" in exc.value.message_dict
    services.relationship_add(
        actor=config_admin, source_id=a.pk, target_id=b.pk, type_id=runs_on.pk
    )
    with pytest.raises(ValidationError) as exc:
        services.relationship_add(
            actor=config_admin, source_id=a.pk, target_id=b.pk, type_id=runs_on.pk
        )
    assert "already" in exc.value.message_dict["target"][0]
    assert Relationship.objects.count() == 1


def test_relationship_rules_limit_class_pairs_including_subclasses(
    config_admin, server, linux, application, runs_on
):
    services.relationship_rule_add(
        actor=config_admin, type_id=runs_on.pk, source_class_id=application.pk,
        target_class_id=server.pk,
    )  # fmt: skip
    app = _ci(config_admin, application, "crm")
    box = _ci(config_admin, linux, "lnx1")
    other = _ci(config_admin, application, "erp")
    # a Linux server is a server, so the rule covers it
    services.relationship_add(
        actor=config_admin, source_id=app.pk, target_id=box.pk, type_id=runs_on.pk
    )
    with pytest.raises(ValidationError) as exc:
        services.relationship_add(
            actor=config_admin, source_id=app.pk, target_id=other.pk, type_id=runs_on.pk
        )
    assert exc.value.message_dict == {
        "type": ['"runs on" may not link a Application to a Application.']
    }
    assert Relationship.objects.count() == 1


# --- permissions and queries -----------------------------------------------------------


def test_specialist_sees_the_cmdb_but_changes_nothing(config_admin, specialist, server, runs_on):
    ci = _ci(config_admin, server)
    other = _ci(config_admin, server, "web02")
    count = CIChange.objects.count(), JournalEntry.objects.count()
    assert list(queries.cis_for(specialist)) == [ci, other]
    assert queries.ci_for(specialist, ci.pk) == ci
    calls = [
        lambda: services.ci_create(actor=specialist, ci_class=server, name="x",
                                   attributes={"ram_gb": 1}),
        lambda: services.ci_update(actor=specialist, ci_id=ci.pk, data={"name": "y"}),
        lambda: services.ci_verify(actor=specialist, ci_id=ci.pk),
        lambda: services.relationship_add(actor=specialist, source_id=ci.pk,
                                          target_id=other.pk, type_id=runs_on.pk),
        lambda: services.ci_class_create(actor=specialist, name="N", code="n", category="other"),
        lambda: services.attribute_define(actor=specialist, ci_class_id=server.pk, key="k",
                                          label="K", type="string"),
        lambda: services.relationship_type_create(actor=specialist, code="c", name="c",
                                                  reverse_name="c"),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    ci.refresh_from_db()
    assert ci.name == "web01" and ci.last_verified_at is None
    assert ConfigurationItem.objects.count() == 2 and CIClass.objects.count() == 1
    assert not Relationship.objects.exists()
    assert (CIChange.objects.count(), JournalEntry.objects.count()) == count


def test_requester_and_people_without_roles_see_nothing(
    config_admin, requester, no_role_person, server
):
    ci = _ci(config_admin, server)
    for person in (requester, no_role_person):
        assert not queries.cis_for(person).exists()
        assert not queries.ci_classes_for(person).exists()
        assert not queries.relationships_for(person).exists()
        with pytest.raises(Http404):
            queries.ci_for(person, ci.pk)
        with pytest.raises(PermissionDenied):
            services.ci_update(actor=person, ci_id=ci.pk, data={"name": "z"})
    ci.refresh_from_db()
    assert ci.name == "web01"


def test_system_administrator_may_change_the_cmdb(admin_person, server):
    ci = _ci(admin_person, server)
    services.ci_update(actor=admin_person, ci_id=ci.pk, data={"version": "2"})
    ci.refresh_from_db()
    assert ci.version == "2"


def test_cis_matching_filters_on_class_and_one_attribute(config_admin, specialist, server, linux):
    a = _ci(config_admin, server, "a", attributes={"ram_gb": 16})
    b = _ci(config_admin, linux, "b", attributes={"ram_gb": 32, "kernel": "6.1"})
    c = _ci(config_admin, linux, "c", attributes={"ram_gb": 16, "kernel": "5.4"})
    assert set(queries.cis_matching(specialist, ci_class=server)) == {a, b, c}
    assert set(queries.cis_matching(specialist, ci_class=linux)) == {b, c}
    assert set(queries.cis_matching(specialist, attribute="ram_gb", value=16)) == {a, c}
    assert list(
        queries.cis_matching(specialist, ci_class=linux, attribute="kernel", value="6.1")
    ) == [b]
    assert not queries.cis_matching(specialist, attribute="bad key'", value=1).exists()


def test_relationship_to_a_missing_ci_is_not_found_and_writes_nothing(
    config_admin, server, runs_on
):
    a = _ci(config_admin, server, "a")
    with pytest.raises(ConfigurationItem.DoesNotExist):
        services.relationship_add(
            actor=config_admin, source_id=a.pk, target_id=a.pk + 999, type_id=runs_on.pk
        )
    assert not Relationship.objects.exists()
