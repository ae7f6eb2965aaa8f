"""Requests from the catalog (issue 13): request types with their own form fields create a
user service request with the answers; only from services the requester's organisation
has; a suggested solution that solves it ends the request before it is registered."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from steward.core.models import JournalEntry
from steward.incidents.choices import Channel, ServiceType
from steward.incidents.models import Deflection, IncidentRequest, Solution
from steward.incidents.services.requests import (
    deflection_record,
    expected_response_for,
    service_request_submit,
)
from steward.incidents.tests.conftest import catalog_item as _item
from steward.service_level.models import CatalogItem
from steward.service_level.services.request_types import (
    request_type_create,
    request_type_update,
)


def journal_of(record):
    return JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(record), record_id=record.pk
    )


GOOD = {"model": "14 inch", "needed_by": "2026-12-20"}


def test_a_requester_submits_a_request_type_and_gets_a_user_service_request(laptop, requester):
    answers = {**GOOD, "screens": "2", "docking_station": "yes", "why": "Old one broke."}
    incident = service_request_submit(actor=requester, request_type=laptop, answers=answers)
    incident = IncidentRequest.objects.get(pk=incident.pk)
    assert incident.service_type == ServiceType.USER_SERVICE_REQUEST
    assert incident.title == "New laptop"
    assert incident.channel == Channel.PORTAL
    assert incident.requester == requester
    assert incident.service == laptop.catalog_item.service
    stored = incident.submission
    assert stored.request_type_name == "New laptop"
    assert [(a["label"], a["text"]) for a in stored.answers] == [
        ("Model", "14 inch"),
        ("Needed by", "2026-12-20"),
        ("Screens", "2"),
        ("Docking station", "Yes"),
        ("Why", "Old one broke."),
    ]
    # P4 (minor impact, medium urgency): 8 hours in the fixture's SLA.
    assert stored.expected_response == "We aim to respond within 8 business hours."
    assert "Model: 14 inch" in incident.description
    assert journal_of(incident).filter(kind="created").exists()


def test_the_form_shows_the_response_promise_of_the_requesters_sla(laptop, requester):
    assert expected_response_for(requester, laptop) == "We aim to respond within 8 business hours."


# (field, value, message) per field kind: what each kind refuses.
BAD_ANSWERS = [
    ("model", "", "This field is required."),
    ("model", "17 inch", "Choose one of the options offered."),
    ("needed_by", "20/12/2026", "Enter a date as YYYY-MM-DD."),
    ("needed_by", "2026-02-30", "Enter a date as YYYY-MM-DD."),
    ("screens", "two", "Enter a number."),
    ("screens", "1e400", "Enter a number."),
    ("screens", "NaN", "Enter a number."),
    ("docking_station", "maybe", "Answer yes or no."),
    ("cost_centre", "x" * 201, "At most 200 characters."),
    ("cost_centre", ["a", "b"], "Give one value."),
    ("why", "x" * 4001, "At most 4000 characters."),
    ("colour", "red", "This request type asks no such question."),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_ANSWERS)
def test_answers_are_checked_against_each_field_kind(laptop, requester, key, value, message):
    with pytest.raises(ValidationError) as caught:
        service_request_submit(actor=requester, request_type=laptop, answers={**GOOD, key: value})
    assert caught.value.message_dict == {f"answers.{key}": [message]}
    assert not IncidentRequest.objects.exists()


# (field, value, stored) per field kind: what each kind accepts and how it is kept.
GOOD_ANSWERS = [
    ("screens", "2.50", "2.5"),
    ("screens", 3, "3"),
    ("docking_station", False, False),
    ("docking_station", "no", False),
    ("docking_station", True, True),
    ("cost_centre", "  CC-12 ", "CC-12"),
    ("needed_by", "2027-01-04", "2027-01-04"),
]


@pytest.mark.parametrize(("key", "value", "stored"), GOOD_ANSWERS)
def test_answers_are_kept_typed(laptop, requester, key, value, stored):
    incident = service_request_submit(
        actor=requester, request_type=laptop, answers={**GOOD, key: value}
    )
    kept = {a["key"]: a["value"] for a in incident.submission.answers}
    assert kept[key] == stored


def test_every_missing_required_answer_is_named_at_once(laptop, requester):
    with pytest.raises(ValidationError) as caught:
        service_request_submit(actor=requester, request_type=laptop, answers={})
    assert set(caught.value.message_dict) == {"answers.model", "answers.needed_by"}


def test_a_requester_of_an_organisation_without_the_service_is_refused(laptop, other_requester):
    """Globex does not subscribe to E-mail: the item is in its catalog, but not requestable."""
    with pytest.raises(PermissionDenied, match="ask your customer representative"):
        service_request_submit(actor=other_requester, request_type=laptop, answers=GOOD)
    assert not IncidentRequest.objects.exists()


def test_a_private_item_of_another_customer_is_not_found(
    level_manager, service, other_customer_org, requester
):
    item = _item(service, "E-mail - Globex only", visibility="private", customer=other_customer_org)
    hidden = request_type_create(actor=level_manager, catalog_item=item, name="Globex thing")
    with pytest.raises(Http404):
        service_request_submit(actor=requester, request_type=hidden, answers={})


def test_an_inactive_request_type_cannot_be_submitted(laptop, level_manager, requester):
    request_type_update(actor=level_manager, request_type_id=laptop.pk, data={"is_active": False})
    with pytest.raises(Http404):
        service_request_submit(actor=requester, request_type=laptop, answers=GOOD)


def test_an_unpublished_item_offers_nothing(level_manager, service, requester):
    item = _item(service, "E-mail - Draft")
    CatalogItem.objects.filter(pk=item.pk).update(status="draft")
    draft = request_type_create(actor=level_manager, catalog_item=item, name="Draft thing")
    with pytest.raises(Http404):
        service_request_submit(actor=requester, request_type=draft, answers={})


def test_only_service_level_managers_maintain_request_types(service, requester, analyst):
    item = _item(service)
    for person in (requester, analyst):
        with pytest.raises(PermissionDenied):
            request_type_create(actor=person, catalog_item=item, name="Anything")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"label": "", "kind": "text"}, "fields.0.label"),
        ({"label": "Colour", "kind": "colour"}, "fields.0.kind"),
        ({"label": "Colour", "kind": "choice"}, "fields.0.options"),
        ({"label": "Colour", "kind": "text", "secret": 1}, "fields.0.secret"),
    ],
)
def test_field_definitions_are_checked(level_manager, service, spec, error):
    with pytest.raises(ValidationError) as caught:
        request_type_create(
            actor=level_manager, catalog_item=_item(service), name="Thing", fields=[spec]
        )
    assert error in caught.value.message_dict


def test_changing_the_fields_is_journalled_and_keeps_old_answers(laptop, level_manager, requester):
    incident = service_request_submit(actor=requester, request_type=laptop, answers=GOOD)
    request_type_update(
        actor=level_manager,
        request_type_id=laptop.pk,
        data={},
        fields=[{"label": "Colour", "kind": "text", "required": True}],
    )
    entry = journal_of(laptop).get(kind="field_change", field="fields")
    assert entry.new_value == "Colour (text, required)"
    incident.submission.refresh_from_db()
    assert incident.submission.answers[0]["label"] == "Model"


def test_this_solved_it_records_a_deflection_and_registers_nothing(suggested_solution, requester):
    deflection_record(actor=requester, solution=suggested_solution, text="I forgot my password")
    [deflection] = Deflection.objects.all()
    assert (deflection.person, deflection.solution, deflection.text) == (
        requester,
        suggested_solution,
        "I forgot my password",
    )
    assert not IncidentRequest.objects.exists()
    assert journal_of(suggested_solution).filter(kind="system").exists()


def test_a_proposed_solution_cannot_deflect(suggested_solution, requester):
    Solution.objects.filter(pk=suggested_solution.pk).update(status="proposed")
    with pytest.raises(Http404):  # customer-side people see only active solutions
        deflection_record(actor=requester, solution=suggested_solution.pk)
    assert not Deflection.objects.exists()
