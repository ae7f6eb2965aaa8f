"""Proc. 1, Incident Request Review: the unlinked incident requests of a period grouped by
what they share, the specialists' hints (ch. 8), registering or linking from the review
and from the incident page, the API; and who may see it."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.configuration.tests import records
from steward.core.tests.api import field_errors
from steward.incidents.models import Category, IncidentRequest
from steward.incidents.services.resolution import incident_inform_problem_coordinator
from steward.problems.models import ProblemIncident
from steward.problems.queries import review as queries
from steward.problems.registrations import review_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db):
    return Category.objects.create(name="Mail delivery")


@pytest.fixture
def ci(admin_person):
    return records.ci(admin_person)


def _keys(review):
    return {
        (g.service.name, g.category and g.category.name, g.ci and g.ci.pk): g.count
        for g in review.groups
    }


def _hint(incident, analyst):
    return incident_inform_problem_coordinator(
        actor=analyst, incident_id=incident.pk, note="Restarted the queue; it will recur."
    )


def test_groups_by_service_category_and_ci_and_leaves_linked_requests_out(
    make_incident, make_problem, problem_coordinator, category, ci
):
    same = [make_incident(category=category, cis=[ci]) for _ in range(2)]
    make_incident(category=category)
    make_incident()
    linked = make_incident(category=category, cis=[ci])
    make_problem(incident_ids=[linked.pk])

    review = queries.review(problem_coordinator)

    assert _keys(review) == {
        ("E-mail", "Mail delivery", ci.pk): 2,
        ("E-mail", "Mail delivery", None): 1,
        ("E-mail", None, None): 1,
    }
    largest = review.groups[0]
    assert {i.pk for i in largest.incidents} == {i.pk for i in same}
    assert largest.ci_class == ci.ci_class
    assert linked.pk not in {i.pk for g in review.groups for i in g.incidents}


def test_the_period_leaves_older_requests_out(make_incident, problem_coordinator):
    old, new = make_incident(), make_incident()
    IncidentRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    recent = queries.review(problem_coordinator, days=30)
    assert [i.pk for g in recent.groups for i in g.incidents] == [new.pk]
    assert queries.review(problem_coordinator).groups[0].count == 2


def test_a_group_lists_its_newest_requests_and_counts_the_rest(
    make_incident, problem_coordinator, monkeypatch
):
    monkeypatch.setattr(queries, "PER_GROUP", 2)
    made = [make_incident() for _ in range(3)]
    (group,) = queries.review(problem_coordinator).groups
    assert (group.count, group.more) == (3, 1)
    assert [i.pk for i in group.incidents] == [made[2].pk, made[1].pk]


def test_specialists_hints_show_who_informed_until_linked(
    make_incident, make_problem, problem_coordinator, analyst
):
    hinted, plain = make_incident(), make_incident()
    _hint(hinted, analyst)
    review = queries.review(problem_coordinator)
    assert [i.pk for i in review.hints] == [hinted.pk]
    assert review.hints[0].problem_coordinator_informed_at is not None
    assert plain.pk not in {i.pk for i in review.hints}
    make_problem(incident_ids=[hinted.pk])
    assert queries.review(problem_coordinator).hints == []


def test_a_coordinator_of_another_service_sees_none_of_its_requests(
    make_incident, other_coordinator, service, analyst
):
    _hint(make_incident(), analyst)
    review = queries.review(other_coordinator)
    assert [s.name for s in review.services] == ["Payroll"]
    assert (review.groups, review.hints) == ([], [])
    with pytest.raises(ValidationError) as refused:
        queries.review(other_coordinator, service_id=service.pk)
    assert "service" in refused.value.message_dict


def test_the_page_groups_and_hints(client, make_incident, problem_coordinator, analyst):
    hinted = make_incident(title="Queue stalls again")
    _hint(hinted, analyst)
    client.force_login(problem_coordinator)
    page = client.get(reverse("problems:review"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Specialists' hints" in text and hinted.number in text
    assert analyst.display_name in text
    bad = client.get(reverse("problems:review") + "?days=0")
    assert bad.status_code == 400
    assert "Ensure this value is greater than or equal to 1" in bad.content.decode()


@pytest.mark.parametrize("who", ["specialist", "requester", "representative", "analyst"])
def test_the_page_and_the_api_refuse_who_does_not_coordinate(client, api, request, who):
    person = request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(reverse("problems:review")).status_code in (403, 404)
    assert api.as_(person).get("/api/v1/problem-review/").status_code in (403, 404)


def _select(client, incidents, **data):
    url = reverse("problems:review-selection")
    return client.post(url, {"incidents": [i.pk for i in incidents], **data})


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_linking_from_the_review(client, make_incident, make_problem, problem_coordinator):
    first, second = make_incident(), make_incident()
    problem = make_problem()
    client.force_login(problem_coordinator)
    done = _select(client, [first, second], problem=problem.pk, link="1")
    assert done.status_code == 302 and done.url.startswith(reverse("problems:review"))
    assert f"Linked 2 incident request(s) to {problem.number}." in _messages(done)
    assert set(problem.incident_links.values_list("incident_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_linking_is_refused_when_another_problem_explains_it(
    client, make_incident, make_problem, problem_coordinator
):
    incident = make_incident()
    earlier = make_problem(incident_ids=[incident.pk])
    later = make_problem(title="Something else")
    client.force_login(problem_coordinator)
    refused = _select(client, [incident], problem=later.pk, link="1")
    assert refused.status_code == 302
    assert any(earlier.number in m for m in _messages(refused))
    assert ProblemIncident.objects.get(incident=incident).problem == earlier


def test_linking_needs_a_choice(client, make_incident, problem_coordinator):
    client.force_login(problem_coordinator)
    none_ticked = _select(client, [], link="1")
    assert "Tick at least one incident request." in _messages(none_ticked)
    no_problem = _select(client, [make_incident()], link="1")
    assert "Choose the open problem to link them to." in _messages(no_problem)


def test_register_from_the_hints_prefills_the_form(
    client, make_incident, problem_coordinator, service, category, analyst, ci
):
    first = make_incident(category=category, cis=[ci])
    second = make_incident(category=category, cis=[ci])
    _hint(first, analyst)
    client.force_login(problem_coordinator)
    moved = _select(client, [first, second], register="1", source="specialist_hint")
    assert moved.status_code == 302
    url = urlparse(moved.url)
    assert url.path == reverse("problems:problem-create")
    assert parse_qs(url.query)["source"] == ["specialist_hint"]
    form = client.get(moved.url)
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["service"] == service.pk and initial["category"] == category.pk
    assert initial["source"] == "specialist_hint"
    assert [i.pk for i in initial["incidents"]] == [first.pk, second.pk]
    assert initial["cis"] == [ci]
    assert f"{first.number}, {second.number}" in form.content.decode()


def test_the_incident_page_links_it_to_an_open_problem(
    client, make_incident, make_problem, problem_coordinator
):
    incident = make_incident()
    problem = make_problem()
    client.force_login(problem_coordinator)
    page = client.get(incident.get_absolute_url())
    text = page.content.decode()
    assert 'id="problem"' in text and "Register a new problem from it" in text
    url = reverse("problems:incident-problem-link", args=[incident.pk])
    done = client.post(url, {"problem": problem.pk})
    assert done.status_code == 302 and done.url.endswith("#problem")
    assert f"Linked to {problem.number}." in _messages(done)
    problem.workaround, problem.workaround_steps = "Restart the queue", "Run qmgr restart"
    problem.save()
    shown = client.get(incident.get_absolute_url()).content.decode()
    assert problem.number in shown and "Restart the queue" in shown
    assert "Run qmgr restart" in shown


def test_the_incident_page_refuses_a_second_problem_with_a_message(
    client, make_incident, make_problem, problem_coordinator
):
    incident = make_incident()
    earlier = make_problem(incident_ids=[incident.pk])
    later = make_problem(title="Another")
    client.force_login(problem_coordinator)
    url = reverse("problems:incident-problem-link", args=[incident.pk])
    refused = client.post(url, {"problem": later.pk})
    assert refused.status_code == 302
    assert _messages(refused), "the refusal is shown"
    assert ProblemIncident.objects.get(incident=incident).problem == earlier


def test_the_incident_section_is_for_staff_only(
    client, make_incident, make_problem, specialist, requester, other_coordinator
):
    incident = make_incident()
    problem = make_problem(incident_ids=[incident.pk])
    from steward.problems.views.review import incident_problem_section

    assert incident_problem_section(requester, incident) == {}
    assert incident_problem_section(specialist, incident)["problem"] == problem
    unlinked = make_incident()
    assert incident_problem_section(specialist, unlinked) == {}, "no link form for them"
    assert incident_problem_section(other_coordinator, unlinked) == {}
    client.force_login(other_coordinator)
    url = reverse("problems:incident-problem-link", args=[unlinked.pk])
    refused = client.post(url, {"problem": problem.pk})
    assert refused.status_code in (302, 403, 404)
    assert not ProblemIncident.objects.filter(incident=unlinked).exists()


def test_api_answers_groups_and_hints(api, make_incident, problem_coordinator, analyst, ci):
    incident = make_incident(cis=[ci])
    _hint(incident, analyst)
    answer = api.as_(problem_coordinator).get("/api/v1/problem-review/?days=30")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["days"] == 30
    (group,) = body["groups"]
    assert (group["ci"], group["ci_class"], group["count"]) == (ci.pk, ci.ci_class_id, 1)
    assert group["incidents"] == [incident.pk]
    assert [h["incident"] for h in body["hints"]] == [incident.pk]
    assert analyst.display_name in body["hints"][0]["note"]
    assert "it will recur" in body["hints"][0]["note"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("days=0", "days"),
        ("days=366", "days"),
        ("days=abc", "days"),
        ("service=abc", "service"),
        ("service=99999999999999999999", "service"),
        ("colour=red", "colour"),
    ],
)
def test_api_refuses_bad_parameters(api, problem_coordinator, query, field):
    answer = api.as_(problem_coordinator).get(f"/api/v1/problem-review/?{query}")
    assert answer.status_code == 400, answer.content
    assert field in field_errors(answer)


def test_api_refuses_a_service_they_do_not_coordinate(api, other_coordinator, service):
    answer = api.as_(other_coordinator).get(f"/api/v1/problem-review/?service={service.pk}")
    assert answer.status_code == 400
    assert "service" in field_errors(answer)


def test_my_work_lists_the_hints(make_incident, problem_coordinator, other_coordinator, analyst):
    incident = make_incident()
    _hint(incident, analyst)
    mine = {s.title: s for s in review_work(problem_coordinator)}
    assert [r["number"] for r in mine["Specialists' hints to review"].rows] == [incident.number]
    theirs = {s.title: s for s in review_work(other_coordinator)}
    assert theirs["Specialists' hints to review"].rows == []
