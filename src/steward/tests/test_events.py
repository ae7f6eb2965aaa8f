"""The event catalog (core/events.py): the naming rule, unknown names, the generated docs."""

import os
from pathlib import Path

import pytest

from steward.core import events, notify
from steward.core.models import Organisation, SlaClock
from steward.core.tests.factories import TEST_EVENTS
from steward.service_level.models import CatalogItem

DOC = Path(__file__).resolve().parents[3] / "docs" / "EVENTS.md"


@pytest.fixture
def catalog_only():
    """The catalog without the test-only events every test gets (conftest)."""
    events.forget(*TEST_EVENTS)


def test_every_declared_name_follows_the_rule():
    assert events.names(), "the areas' events.py were not imported"
    for event in events.catalog():
        app, record, _verb = event.name.split(".")
        assert (app, record) == (event.model._meta.app_label, events.snake(event.model.__name__))
        assert event.description.endswith((".", ")")), event.name


def test_names_are_the_ones_integrators_are_told():
    names = set(events.names())
    assert {
        "incidents.incident_request.resolved",
        "service_level.catalog_item.published",
        "configuration.purchase_requisition.approved",
        "core.sla_clock.breached",
    } <= names
    assert "incident.resolved" not in names  # an old name maps, it is not listed


def test_declare_refuses_names_off_the_rule():
    with pytest.raises(ValueError):
        events.declare("service_level.catalog.published", model=CatalogItem, description="x")
    with pytest.raises(ValueError):
        events.declare("core.organisation.Created", model=Organisation, description="x")
    with pytest.raises(ValueError):  # the same name for another model
        events.declare("core.sla_clock.breached", model=Organisation, description="x")


def test_snake_case_of_model_names():
    assert [events.snake(n) for n in ("IncidentRequest", "CIClass", "SlaClock")] == [
        "incident_request",
        "ci_class",
        "sla_clock",
    ]


@pytest.mark.django_db
def test_publishing_an_undeclared_event_raises_at_once(customer_org):
    with pytest.raises(events.UnknownEvent, match="not declared"):
        notify.record_event(record=customer_org, event="core.organisation.exploded", actor=None)


@pytest.mark.django_db
def test_an_old_name_publishes_the_catalog_name(customer_org, monkeypatch):
    # No area publishes an old name any more; the mechanism stays for the next rename.
    monkeypatch.setattr(events, "_RENAMED", {})
    events.renamed("incident.resolved", "incidents.incident_request.resolved")
    payload = notify.record_event(record=customer_org, event="incident.resolved", actor=None)
    assert payload["event"] == "incidents.incident_request.resolved"


def test_record_types_are_those_of_the_declared_models():
    assert {"core.slaclock", "incidents.incidentrequest"} <= set(events.record_types())
    assert SlaClock._meta.label_lower in events.record_types()


def test_docs_list_the_catalog(catalog_only):
    """docs/EVENTS.md is generated; set STEWARD_WRITE_EVENTS_DOC=1 to rewrite it."""
    text = events.as_markdown()
    if os.environ.get("STEWARD_WRITE_EVENTS_DOC"):
        DOC.write_text(text)
    assert DOC.read_text() == text, "docs/EVENTS.md is stale: rerun with STEWARD_WRITE_EVENTS_DOC=1"
