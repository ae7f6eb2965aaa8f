"""Seed 003 ch. 6 proc. 3, Outage Review: which incident requests are reviewed, whether an
event was generated for each (and how), the hints that the handling instructions were
not followed (each rule), every finding and what it requires or registers, recording
again, denials from the outside, 400s, the page, its CSV and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.core.errors import DomainError
from steward.core.models import JournalEntry, SupportGroup
from steward.core.testing.exports import assert_formulas_defused, csv_records
from steward.core.tests.api import field_errors
from steward.core.tests.factories import FORMULA_CELLS, staff_fixture
from steward.events.models import EventType, OutageReview
from steward.events.queries import reviews as queries
from steward.events.services.reviews import outage_review_record
from steward.events.tests.review_records import ago, make_ci, make_event, outage
from steward.incidents.models import IncidentRequest

pytestmark = pytest.mark.django_db
API = "/api/v1/outage-review/"

desk = staff_fixture("desk", "service_desk_analyst", "desk")


@pytest.fixture
def world(network, source, operator):
    source.support_group = network.group
    source.save()
    return {"network": network, "source": source, "requester": operator}


def _outages(actor):
    return {o.incident.pk: o for o in queries.outage_review(actor, queries.period_for()).outages}


def _store_outage(world, **fields):
    """Online Store down: registered 3 hours ago on its service, resolved an hour ago."""
    values = {"registered": ago(hours=3), "resolved": ago(hours=1),
              "service": world["network"].service, **fields}  # fmt: skip
    return outage(world["requester"], **values)


# Each branch of "was an event generated" and "were the instructions followed":
# (events made relative to the registration 3 hours ago, incident changes,
#  expected how, expected table, expected hint codes).
def _linked(w, i):  # the request came from the event (procedure 1 did it)
    make_event(w["source"], ci=w["network"].switch, incident=i, first_seen=ago(hours=3, minutes=1))


def _nothing(w, i):
    pass


def _only_suppressed(w, i):  # the symptom of web-01 while its switch was planned work
    make_event(w["source"], ci=w["network"].web1, handling="symptom", first_seen=ago(hours=3))


def _too_early(w, i):  # more than 2 hours before the registration
    make_event(
        w["source"],
        ci=w["network"].switch,
        handling="for_operator",
        first_seen=ago(hours=5, minutes=1),
    )


def _elsewhere(w, i):  # on a CI the service does not run on
    other = make_ci("printer-7", w["network"].switch.ci_class)
    make_event(w["source"], ci=other, handling="for_operator", first_seen=ago(hours=3))


def _closed_without_incident(w, i):
    make_event(
        w["source"],
        ci=w["network"].switch,
        handling="informational",
        first_seen=ago(hours=3, minutes=5),
    )


def _acknowledged_late(w, i):
    make_event(w["source"], ci=w["network"].web2, handling="for_operator", status="acknowledged",
               first_seen=ago(hours=3, minutes=5), acknowledged_at=ago(hours=2, minutes=20))  # fmt: skip


def _never_acknowledged(w, i):
    make_event(w["source"], ci=w["network"].app, handling="unmatched", status="open",
               first_seen=ago(hours=3, minutes=5))  # fmt: skip


def _registered_late(w, i):  # handled by procedure 1, but the request came by phone 1 h later
    make_event(w["source"], ci=w["network"].switch, handling="restoration_incident",
               status="open", first_seen=ago(hours=4))  # fmt: skip


def _on_its_own_ci(w, i):  # a CI linked to the request, not to its service
    i.service = None
    i.save(update_fields=["service"])
    i.cis.set([w["network"].web1])
    make_event(w["source"], ci=w["network"].switch, acknowledged_at=ago(hours=2, minutes=58),
               handling="for_operator", status="acknowledged", first_seen=ago(hours=3, minutes=1))  # fmt: skip


GENERATED = [
    ("linked", _linked, {"channel": "event"}, "linked", "followed", []),
    ("nothing", _nothing, {}, "none", "no-event", []),
    ("only-suppressed", _only_suppressed, {}, "none", "no-event", []),
    ("too-early", _too_early, {}, "none", "no-event", []),
    ("elsewhere", _elsewhere, {}, "none", "no-event", []),
    ("closed-without-incident", _closed_without_incident, {}, "nearby", "not-followed",
     ["closed_without_incident"]),
    ("acknowledged-late", _acknowledged_late, {}, "nearby", "not-followed", ["acknowledged_late"]),
    ("never-acknowledged", _never_acknowledged, {}, "nearby", "not-followed", ["not_acknowledged"]),
    ("registered-late", _registered_late, {}, "nearby", "not-followed", ["registered_late"]),
    ("on-its-own-ci", _on_its_own_ci, {}, "nearby", "followed", []),
]  # fmt: skip


@pytest.mark.parametrize(("make", "fields", "how", "table", "hints"),
                         [c[1:] for c in GENERATED], ids=[c[0] for c in GENERATED])  # fmt: skip
def test_event_generated_and_instructions_followed_as_procedure_3_says(
    world, ops_manager, make, fields, how, table, hints
):
    incident = _store_outage(world, **fields)
    make(world, incident)
    found = _outages(ops_manager)[incident.pk]
    assert (found.how, found.table, [h.code for h in found.hints]) == (how, table, hints)


def test_suppressed_events_are_shown_apart_with_the_rule(world, ops_manager):
    incident = _store_outage(world)
    _only_suppressed(world, incident)
    found = _outages(ops_manager)[incident.pk]
    assert [e.handling for e in found.suppressed] == ["symptom"] and found.events == []


INCLUDED = [
    ("impact-2", {"impact": "2"}, True),
    ("closed", {"status": "closed"}, True),
    ("user-restoration", {"service_type": "user_service_restoration"}, True),
    ("impact-3", {"impact": "3"}, False),
    ("service-request", {"service_type": "user_service_request"}, False),
    ("infrastructure-event", {"service_type": "infrastructure_event"}, False),
    ("still-open", {"status": "in_progress"}, False),
    ("resolved-before-the-period", {"resolved": ago(days=40), "registered": ago(days=41)}, False),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "included"), [c[1:] for c in INCLUDED],
                         ids=[c[0] for c in INCLUDED])  # fmt: skip
def test_only_high_impact_outages_resolved_in_the_period_are_reviewed(world, ops_manager, fields,
                                                                      included):  # fmt: skip
    incident = _store_outage(world, **fields)
    assert (incident.pk in _outages(ops_manager)) is included


# --- Recording the finding -------------------------------------------------------------------

FINDINGS = [
    ("instructions_followed", {}, None, False),
    ("instructions_not_followed", {"note": "Review the switch runbook with Oscar."}, None, False),
    ("not_worth_monitoring", {}, "note", False),
    ("not_worth_monitoring", {"note": "A spare printer: not worth a probe."}, None, False),
    ("correlation_correction", {}, "follow_up_description", False),
    ("correlation_correction", {"follow_up_description": "The dependency rule hid it."}, None, True),
    ("monitoring_correction", {"follow_up_description": "Probe the store's checkout."}, None, True),
    ("louder", {}, "finding", False),
]  # fmt: skip


@pytest.mark.parametrize(("finding", "extra", "refused", "follow_up"), FINDINGS,
                         ids=[f"{c[0]}-{c[2] or 'ok'}" for c in FINDINGS])  # fmt: skip
def test_each_finding_requires_and_registers_what_procedure_3_says(world, ops_manager, finding,
                                                                   extra, refused, follow_up):  # fmt: skip
    incident = _store_outage(world)
    # The switch's monitoring source sent events on the service's CIs: its group gets the
    # follow-up.
    _only_suppressed(world, incident)
    call = lambda: outage_review_record(  # noqa: E731
        actor=ops_manager, incident_id=incident.pk, finding=finding, **extra
    )
    if refused:
        with pytest.raises(ValidationError) as error:
            call()
        assert refused in error.value.message_dict
        assert not OutageReview.objects.exists()
        assert not IncidentRequest.objects.filter(service_type="user_service_request").exists()
        return
    review = call()
    assert review.finding == finding and review.reviewed_by == ops_manager
    assert (review.follow_up is not None) is follow_up
    if follow_up:
        request = review.follow_up
        assert (request.service_type, request.requester, request.support_group) == (
            "user_service_request",
            ops_manager,
            world["network"].group,
        )
        assert (
            incident.number in request.title
            and extra["follow_up_description"] in request.description
        )
    assert _outages(ops_manager)[incident.pk].table == "reviewed"
    note = JournalEntry.objects.filter(record_id=incident.pk, kind="system").last()
    assert "Outage review" in note.body and not note.public


def test_a_follow_up_without_a_known_monitoring_group_needs_one_chosen(
    world, ops_manager, provider
):
    incident = _store_outage(world)  # no event on its CIs: no source, no group
    with pytest.raises(ValidationError) as error:
        outage_review_record(actor=ops_manager, incident_id=incident.pk,
                             finding="monitoring_correction", follow_up_description="Add a probe.")  # fmt: skip
    assert "support_group" in error.value.message_dict
    group = SupportGroup.objects.create(name="Monitoring", organisation=provider)
    review = outage_review_record(actor=ops_manager, incident_id=incident.pk, support_group=group,
                                  finding="monitoring_correction", follow_up_description="Add a probe.")  # fmt: skip
    assert review.follow_up.support_group == group


def test_recording_again_replaces_the_finding_and_keeps_the_one_follow_up(world, ops_manager):
    incident = _store_outage(world)
    _only_suppressed(world, incident)
    first = outage_review_record(actor=ops_manager, incident_id=incident.pk,
                                 finding="correlation_correction", follow_up_description="Fix it.")  # fmt: skip
    again = outage_review_record(actor=ops_manager, incident_id=incident.pk,
                                 finding="monitoring_correction", note="Both, in fact.")  # fmt: skip
    assert OutageReview.objects.count() == 1 and again.pk == first.pk
    assert again.finding == "monitoring_correction" and again.follow_up == first.follow_up
    assert IncidentRequest.objects.filter(service_type="user_service_request").count() == 1
    notes = JournalEntry.objects.filter(
        record_id=incident.pk, kind="system", body__contains="Outage"
    )
    assert notes.count() == 2 and "was: No event: correlation" in notes.last().body


def test_a_request_that_is_no_high_impact_outage_is_not_reviewed(world, ops_manager, api):
    incident = _store_outage(world, impact="3")
    with pytest.raises(DomainError):
        outage_review_record(actor=ops_manager, incident_id=incident.pk,
                             finding="instructions_followed")  # fmt: skip
    answer = api.as_(ops_manager).post(f"{API}{incident.pk}/record/",
                                       {"finding": "instructions_followed"}, format="json")  # fmt: skip
    assert answer.status_code == 409
    assert api.post(f"{API}99999999/record/", {"finding": "instructions_followed"},
                    format="json").status_code == 404  # fmt: skip
    assert not OutageReview.objects.exists()


@pytest.mark.parametrize("who", ["operator", "desk", "requester", "outsider"])
def test_only_the_operations_manager_reviews_outages(world, request, api, client, who):
    incident = _store_outage(world)
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        queries.outage_review(person, queries.period_for())
    with pytest.raises(PermissionDenied):
        outage_review_record(actor=person, incident_id=incident.pk, finding="instructions_followed")
    assert api.as_(person).get(API).status_code == 403
    body = {"finding": "instructions_followed"}
    assert api.post(f"{API}{incident.pk}/record/", body, format="json").status_code == 403
    client.force_login(person)
    assert client.get(reverse("events:outage-review")).status_code == 403
    url = reverse("events:outage-review-record", args=[incident.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, body).status_code == 403
    assert not OutageReview.objects.exists()


# --- API and pages ---------------------------------------------------------------------------


def test_the_api_lists_the_outages_and_records_a_finding(world, ops_manager, api):
    incident = _store_outage(world)
    _acknowledged_late(world, incident)
    EventType.objects.create(code="node_down", name="Node down", handling_instructions="Call Nina.")
    answer = api.as_(ops_manager).get(API)
    assert answer.status_code == 200
    row = next(o for o in answer.json()["outages"] if o["incident"] == incident.pk)
    assert (row["event_generated"], row["table"]) == ("nearby", "not-followed")
    assert [h["code"] for h in row["hints"]] == ["acknowledged_late"]
    url = f"{API}{incident.pk}/record/"
    bad = api.post(url, {"finding": "not_worth_monitoring"}, format="json")
    assert bad.status_code == 400 and "note" in field_errors(bad)
    bad = api.post(url, {"finding": "louder"}, format="json")
    assert bad.status_code == 400 and "finding" in field_errors(bad)
    done = api.post(url, {"finding": "instructions_not_followed", "note": "Ack within 15 min."},
                    format="json")  # fmt: skip
    assert done.status_code == 200 and done.json()["finding"] == "instructions_not_followed"
    row = next(o for o in api.get(API).json()["outages"] if o["incident"] == incident.pk)
    assert row["table"] == "reviewed" and row["review"]["note"] == "Ack within 15 min."


def test_the_pages_show_the_tables_and_record_a_finding(world, ops_manager, client):
    incident = _store_outage(world, title=FORMULA_CELLS[0])
    _closed_without_incident(world, incident)
    client.force_login(ops_manager)
    page = client.get(reverse("events:outage-review"))
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("No event generated", "Instructions possibly not followed", "Reviewed"):
        assert title in html
    assert "was closed without an incident request" in html
    url = reverse("events:outage-review-record", args=[incident.pk])
    form = client.get(url)
    assert form.status_code == 200 and "closed without an incident request" in form.content.decode()
    refused = client.post(url, {"finding": "not_worth_monitoring"})
    assert refused.status_code == 400 and "note" in refused.context["form"].errors
    done = client.post(url, {"finding": "instructions_not_followed", "note": "Talk to Oscar."})
    assert done.status_code == 302
    assert OutageReview.objects.get().finding == "instructions_not_followed"
    export = client.get(reverse("events:outage-review"), {"format": "csv", "table": "reviewed"})
    assert_formulas_defused(export, [FORMULA_CELLS[0]])
    assert csv_records(export)[0]["finding"] == "instructions_not_followed"
