"""Proc. 1 (Incident Request Review): registering, linking and assigning a problem
investigation, through the services, the API and the pages; the denials."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.core import journal
from steward.core.tests.api import field_errors
from steward.core.tests.factories import group_member
from steward.problems.choices import ProblemStatus
from steward.problems.forms.problems import specialist_choices
from steward.problems.models import ProblemIncident
from steward.problems.services import problems as svc

pytestmark = pytest.mark.django_db


def test_registering_links_the_incidents_it_caused(
    make_problem, make_incident, problem_coordinator
):
    first, second = make_incident(), make_incident(title="Mail stuck in queue")
    problem = make_problem(incident_ids=[first.pk, second.pk])
    assert problem.number.startswith("PRB")
    assert problem.status == ProblemStatus.REGISTERED
    assert set(problem.incident_links.values_list("incident_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    lines = journal.timeline(first, actor=problem_coordinator)
    assert any(problem.number in e.body for e in lines)


def test_an_incident_is_caused_by_one_problem_only(make_problem, make_incident):
    incident = make_incident()
    earlier = make_problem(incident_ids=[incident.pk])
    with pytest.raises(ValidationError) as refused:
        make_problem(title="Another", incident_ids=[incident.pk])
    assert earlier.number in str(refused.value)
    assert ProblemIncident.objects.count() == 1


def test_only_the_problem_coordinator_of_the_service_registers(
    make_problem, other_coordinator, specialist, requester
):
    for outsider in (other_coordinator, specialist, requester):
        with pytest.raises(PermissionDenied):
            make_problem(actor=outsider)


def test_assignment_goes_to_a_specialist_who_is_told(
    make_problem, specialist, server_group, problem_coordinator
):
    problem = make_problem()
    svc.problem_assign(
        actor=problem_coordinator,
        problem_id=problem.pk,
        specialist_id=specialist.pk,
        support_group_id=server_group.pk,
    )
    problem.refresh_from_db()
    assert (problem.status, problem.specialist) == (ProblemStatus.ASSIGNED, specialist)
    assert specialist.notifications.filter(title__contains=problem.number).exists()


def test_assignment_refuses_someone_who_cannot_analyse(
    make_problem, problem_coordinator, requester, analyst
):
    problem = make_problem()
    for person in (requester, analyst):
        with pytest.raises(ValidationError) as refused:
            svc.problem_assign(
                actor=problem_coordinator, problem_id=problem.pk, specialist_id=person.pk
            )
        assert "specialist" in refused.value.message_dict


def test_api_registers_and_steps(api, problem_coordinator, service, specialist, make_incident):
    incident = make_incident()
    client = api.as_(problem_coordinator)
    made = client.post(
        "/api/v1/problems/",
        {"title": "Queue stalls", "service": service.pk, "incidents": [incident.pk]},
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["incidents"] == [incident.pk]
    assigned = client.post(
        f"/api/v1/problems/{pk}/assign/", {"specialist": specialist.pk}, format="json"
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["status"] == "assigned"
    bad = client.post(f"/api/v1/problems/{pk}/assign/", {"specialist": 10**12}, format="json")
    assert bad.status_code == 400
    assert "specialist" in field_errors(bad)


def test_customers_and_requesters_see_no_problem(api, make_problem, requester, representative):
    problem = make_problem()
    for outsider in (requester, representative):
        assert api.as_(outsider).get(f"/api/v1/problems/{problem.pk}/").status_code in (403, 404)


def test_pages(client, make_problem, problem_coordinator, make_incident):
    incident = make_incident()
    problem = make_problem(incident_ids=[incident.pk])
    client.force_login(problem_coordinator)
    page = client.get(reverse("problems:problem-detail", args=[problem.pk]))
    assert page.status_code == 200
    assert incident.number in page.content.decode()
    listing = client.get(reverse("problems:problem-list"))
    assert problem.number in listing.content.decode()
    form = client.get(reverse("problems:problem-create"))
    assert form.status_code == 200


def test_the_specialist_chooser_reads_everyones_roles_at_once(
    make_problem, server_group, specialist, django_assert_num_queries
):
    """Offering the specialists costs the same few queries however many there are."""
    problem = make_problem()
    with django_assert_num_queries(2):
        few = specialist_choices(problem)
    for n in range(6):
        group_member(server_group, "specialist", username=f"more{n}")
    with django_assert_num_queries(2):
        many = specialist_choices(problem)
    assert len(many) == len(few) + 6
