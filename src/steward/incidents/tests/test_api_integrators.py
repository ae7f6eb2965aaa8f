"""Incident requests as integrators use them: filters that refuse what they cannot use,
a requester's own API token limited to what the requester may do, and the SLA/OLA clocks
of a request (``/api/v1/incidents/{id}/clocks/`` and ``/api/v1/clocks/``)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from steward.core import clocks
from steward.core.api_auth import token_create
from steward.core.tests.api import field_errors
from steward.core.tests.factories import start_clock

from .conftest import SLA_TARGETS

TYPE = "incidents.incidentrequest"


def token_client(person) -> APIClient:
    _, key = token_create(actor=person, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def with_ola(make_incident, server_group):
    """A P3 request of Acme's requester in the server group with its SLA clocks and an
    OLA resolution clock of the group."""
    incident = make_incident(support_group=server_group, impact="3", urgency="3")
    sla = clocks.clocks_for(incident).first()
    start_clock(
        incident, sla.calendar, at=incident.created_at, target=2 * 3600, name="Server group OLA",
        kind="ola",
    )  # fmt: skip
    return incident


# --- filters -----------------------------------------------------------------------------------


def test_open_filter_takes_true_or_false_only(api, desk_analyst, make_incident):
    make_incident()
    client = api.as_(desk_analyst)

    refused = client.get("/api/v1/incidents/", {"open": "yes"})
    open_ = client.get("/api/v1/incidents/", {"open": "true"}).json()["results"]
    closed = client.get("/api/v1/incidents/", {"open": "false"}).json()["results"]

    assert refused.status_code == 400 and list(field_errors(refused)) == ["open"]
    assert len(open_) == 1 and closed == []


@pytest.mark.parametrize(
    ("query", "parameter"),
    [({"status": "lost"}, "status"), ({"priority": "9"}, "priority"),
     ({"page_size": "0"}, "page_size"), ({"assigne": "3"}, "assigne")],
)  # fmt: skip
def test_incident_list_refuses_unusable_parameters(api, desk_analyst, query, parameter):
    response = api.as_(desk_analyst).get("/api/v1/incidents/", query)

    assert response.status_code == 400
    assert list(field_errors(response)) == [parameter]


# --- a requester's own token -------------------------------------------------------------------


def test_requester_token_reads_only_their_own_requests(
    requester, colleague, other_requester, make_incident
):
    mine = make_incident()
    make_incident(requester=colleague)
    theirs = make_incident(requester=other_requester, service=None)
    client = token_client(requester)

    listed = client.get("/api/v1/incidents/").json()["results"]

    assert [i["id"] for i in listed] == [mine.pk]
    assert client.get(f"/api/v1/incidents/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/incidents/{theirs.pk}/clocks/").status_code == 404


def test_requester_token_cannot_do_staff_steps(requester, server_group, make_incident):
    incident = make_incident()
    client = token_client(requester)

    assign = client.post(
        f"/api/v1/incidents/{incident.pk}/assign/",
        {"support_group": server_group.pk, "reason": "mine now"},
        format="json",
    )
    cancel = client.post(f"/api/v1/incidents/{incident.pk}/cancel/", {"reason": "x"}, format="json")

    assert assign.status_code in (400, 403) and cancel.status_code == 403
    incident.refresh_from_db()
    assert incident.support_group_id is None and incident.status == "new"


def test_requester_token_registers_a_request_for_themselves(requester, service):
    client = token_client(requester)

    response = client.post(
        "/api/v1/incidents/",
        {"title": "Printer jam", "description": "Tray 2.", "service": service.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["requester"] == requester.pk
    assert response["Location"].endswith(f"/api/v1/incidents/{response.json()['id']}/")


# --- clocks ------------------------------------------------------------------------------------


def test_clocks_read_as_the_page_reads_them(api, desk_analyst, make_incident):
    start = timezone.now().replace(microsecond=0)
    with freeze_time(start):
        incident = make_incident(impact="3", urgency="3")
    response_target, resolution_target = SLA_TARGETS["3"]

    with freeze_time(start + timedelta(hours=1)):
        body = api.as_(desk_analyst).get(f"/api/v1/incidents/{incident.pk}/clocks/").json()

    by_metric = {c["metric"]: c for c in body}
    resolution = by_metric["resolution"]
    assert {c["kind"] for c in body} == {"sla"}
    assert resolution["state"] == "running" and resolution["breached"] is False
    assert resolution["target_seconds"] == resolution_target
    assert resolution["target_duration"] == "P1DT00H00M00S"
    assert resolution["elapsed_seconds"] == 3600
    assert resolution["elapsed_duration"] == "P0DT01H00M00S"
    assert resolution["remaining_seconds"] == resolution_target - 3600
    assert resolution["target_id"] is not None and resolution["agreement_id"] is not None
    assert resolution["paused_since"] is None and resolution["stopped_at"] is None
    # The response target (4 h) is still open after 1 h; the breach time is 4 h after start.
    response = by_metric["response"]
    assert response["remaining_seconds"] == response_target - 3600
    assert response["breach_at"].startswith(
        (start + timedelta(seconds=response_target)).strftime("%Y-%m-%dT%H:%M")
    )


def test_breached_clock_reads_negative_remaining(api, desk_analyst, make_incident):
    start = timezone.now().replace(microsecond=0)
    with freeze_time(start):
        incident = make_incident(impact="3", urgency="3")

    with freeze_time(start + timedelta(hours=5)):
        body = api.as_(desk_analyst).get(f"/api/v1/incidents/{incident.pk}/clocks/").json()

    response = next(c for c in body if c["metric"] == "response")
    assert response["breached"] is True
    assert response["remaining_seconds"] == -3600
    assert response["remaining_duration"] == "-P0DT01H00M00S"


def test_staff_see_ola_clocks_customers_only_sla(api, desk_analyst, requester, with_ola):
    staff = api.as_(desk_analyst).get(f"/api/v1/incidents/{with_ola.pk}/clocks/").json()
    customer = token_client(requester).get(f"/api/v1/incidents/{with_ola.pk}/clocks/").json()

    assert sorted(c["kind"] for c in staff) == ["ola", "sla", "sla"]
    assert sorted(c["kind"] for c in customer) == ["sla", "sla"]


def test_generic_clocks_endpoint_answers_the_same(api, desk_analyst, requester, with_ola):
    query = {"record_type": TYPE, "record_id": str(with_ola.pk)}

    generic = api.as_(desk_analyst).get("/api/v1/clocks/", query).json()
    nested = api.get(f"/api/v1/incidents/{with_ola.pk}/clocks/").json()
    customer = token_client(requester).get("/api/v1/clocks/", query).json()

    assert [c["id"] for c in generic] == [c["id"] for c in nested] and len(generic) == 3
    assert {c["kind"] for c in customer} == {"sla"}


def test_generic_clocks_endpoint_denials(api, other_requester, desk_analyst, with_ola):
    other = token_client(other_requester)
    staff = api.as_(desk_analyst)

    hidden = other.get("/api/v1/clocks/", {"record_type": TYPE, "record_id": with_ola.pk})
    unknown = staff.get("/api/v1/clocks/", {"record_type": TYPE, "record_id": 999999})
    bad_type = staff.get("/api/v1/clocks/", {"record_type": "core.person", "record_id": 1})
    bad_id = staff.get("/api/v1/clocks/", {"record_type": TYPE, "record_id": "abc"})
    extra = staff.get(
        "/api/v1/clocks/", {"record_type": TYPE, "record_id": with_ola.pk, "kind": "sla"}
    )
    anonymous = APIClient().get("/api/v1/clocks/", {"record_type": TYPE, "record_id": 1})

    assert hidden.status_code == 404 and unknown.status_code == 404
    assert bad_type.status_code == 400 and list(field_errors(bad_type)) == ["record_type"]
    assert bad_id.status_code == 400 and list(field_errors(bad_id)) == ["record_id"]
    assert extra.status_code == 400 and list(field_errors(extra)) == ["kind"]
    assert anonymous.status_code in (401, 403)
