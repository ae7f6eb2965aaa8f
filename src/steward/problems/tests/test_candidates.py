"""Problem candidates (proc. 1, issue 15): the clustering on a small planted set, the
refresh job, registering a problem from a cluster, dismissing one, who sees and acts,
the pages and the API."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.core import journal
from steward.core.errors import DomainError
from steward.core.numbering import format_number
from steward.incidents.models import IncidentRequest
from steward.problems.choices import CandidateStatus, ProblemSource
from steward.problems.models import ProblemCandidate, ProblemIncident
from steward.problems.services import candidates as svc
from steward.problems.similarity import Row, cluster, normalise

VPN = ["VPN client disconnects every few minutes", "vpn keeps disconnecting from srv-12",
       "VPN client disconects randomly", "Disconnects every few minutes: VPN client",
       "vpn client disconnects again 4455"]  # fmt: skip
PRINTER = ["Printer prints blank pages", "network printer prints blank pages",
           "Blank pages printed by the office printer", "printer printing empty blank pages"]  # fmt: skip
NEAR = ["VPN client install fails", "Printer out of toner", "Payroll export is very slow"]


def _rows(texts: list[str], service: int = 1, start: int = 1, **extra) -> list[Row]:
    return [Row(id=start + n, service_id=service, text=t, **extra) for n, t in enumerate(texts)]


def test_normalise_drops_numbers_hosts_accents_and_stop_words():
    # "down" is a stop word of scikit-learn's list but a symptom of the lexicon: kept.
    assert normalise("The Café server srv-12.corp.local is DOWN since 10:45") == (
        "cafe server down"
    )


def test_planted_clusters_are_found_and_near_misses_kept_apart():
    rows = _rows(VPN) + _rows(PRINTER, start=20) + _rows(NEAR, start=40)
    found = {frozenset(c.ids) for c in cluster(rows)}
    assert frozenset(range(1, 6)) in found
    assert frozenset(range(20, 24)) in found
    assert not any(ids & {40, 41, 42} for ids in found)


def test_another_service_is_never_joined():
    rows = _rows(VPN[:2]) + _rows(VPN[2:], service=2, start=10)
    assert [c.ids for c in cluster(rows)] == [[10, 11, 12]]


@pytest.mark.parametrize(
    ("structure", "clustered"),
    [
        ({}, False),  # the text alone falls short for two of the pairs
        ({"ci_id": 7}, True),  # the same CI tips it
        ({"category_id": 3}, True),  # so does the same category
    ],
)
def test_structure_tips_borderline_pairs(structure, clustered):
    texts = ["mailbox quota full", "mailbox full quota warning user", "quota exceeded mailbox"]
    rows = _rows(texts, **structure)
    from steward.problems.similarity import Settings

    settings = Settings(link=0.85, cohesion=0.5)
    assert bool(cluster(rows, settings)) is clustered


def test_cluster_label_weight_and_dates():
    now = timezone.now()
    rows = [Row(id=n, service_id=1, text=t, weight=n % 2 + 1, created_at=now - timedelta(days=n))
            for n, t in enumerate(VPN, start=1)]  # fmt: skip
    (found,) = cluster(rows)
    assert "vpn" in found.label and found.weight == 8
    assert found.ids[0] == 5 and found.first_seen < found.last_seen
    assert 0 < found.cohesion <= 1


# --- the job and the steps ---------------------------------------------------------------


@pytest.fixture
def incidents(db, service, requester):
    """Five VPN incidents and four printer ones on E-mail, plus noise, bulk-created."""
    now = timezone.now()
    texts = VPN + PRINTER + NEAR
    made = IncidentRequest.objects.bulk_create(
        IncidentRequest(number=format_number("INC", 9000 + n), title=t, requester=requester,
                        service=service, impact="2" if n < 5 else "4")
        for n, t in enumerate(texts)
    )  # fmt: skip
    IncidentRequest.objects.filter(pk__in=[i.pk for i in made]).update(created_at=now)
    return made


def _open() -> list[ProblemCandidate]:
    return list(ProblemCandidate.objects.filter(status=CandidateStatus.OPEN))


def test_refresh_proposes_ranked_clusters_and_is_idempotent(incidents):
    result = svc.candidates_refresh()
    assert (result["created"], result["clusters"]) == (2, 2)
    first, second = _open()
    assert (first.size, first.impact, first.score) == (5, 15, 20)
    assert "vpn" in first.label and second.size == 4
    again = svc.candidates_refresh()
    assert (again["created"], again["removed"], again["updated"]) == (0, 0, 2)
    assert [c.pk for c in _open()] == [first.pk, second.pk]


def test_old_and_linked_incidents_are_left_out(incidents, make_problem):
    IncidentRequest.objects.filter(pk__in=[i.pk for i in incidents[5:9]]).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    make_problem(incident_ids=[i.pk for i in incidents[:4]])
    assert svc.candidates_refresh()["clusters"] == 0


def test_a_dismissed_cluster_comes_back_only_when_it_grew(incidents, problem_coordinator,
                                                         service, requester):  # fmt: skip
    svc.candidates_refresh()
    vpn = _open()[0]
    svc.candidate_dismiss(actor=problem_coordinator, candidate_id=vpn.pk, reason="Known outage")
    svc.candidates_refresh()
    assert [c.size for c in _open()] == [4]
    IncidentRequest.objects.bulk_create(
        IncidentRequest(number=format_number("INC", 9100 + n), title=VPN[n % 5],
                        requester=requester, service=service)
        for n in range(3)
    )  # fmt: skip
    svc.candidates_refresh()
    printer, vpn_again = sorted(_open(), key=lambda c: c.size)
    assert printer.size == 4 and vpn_again.size >= 8 and vpn_again.pk != vpn.pk
    assert ProblemCandidate.objects.get(pk=vpn.pk).status == CandidateStatus.DISMISSED


def test_registering_links_the_still_unlinked_incidents(incidents, problem_coordinator,
                                                       make_problem):  # fmt: skip
    svc.candidates_refresh()
    vpn = _open()[0]
    make_problem(incident_ids=[incidents[0].pk])  # linked meanwhile
    problem = svc.candidate_register(actor=problem_coordinator, candidate_id=vpn.pk)
    assert problem.source == ProblemSource.CANDIDATE and problem.title == vpn.label
    linked = set(problem.incident_links.values_list("incident_id", flat=True))
    assert linked == {i.pk for i in incidents[1:5]}
    vpn.refresh_from_db()
    assert (vpn.status, vpn.problem, vpn.decided_by) == (
        CandidateStatus.REGISTERED, problem, problem_coordinator)  # fmt: skip
    assert any(problem.number in e.body for e in journal.timeline(vpn, actor=problem_coordinator))
    with pytest.raises(DomainError):
        svc.candidate_register(actor=problem_coordinator, candidate_id=vpn.pk)
    svc.candidates_refresh()
    assert ProblemCandidate.objects.get(pk=vpn.pk).status == CandidateStatus.REGISTERED


def test_dismissal_needs_a_reason(incidents, problem_coordinator):
    svc.candidates_refresh()
    with pytest.raises(ValidationError) as refused:
        svc.candidate_dismiss(actor=problem_coordinator, candidate_id=_open()[0].pk, reason=" ")
    assert "reason" in refused.value.message_dict


def test_only_the_problem_coordinator_of_the_service_acts_and_sees(
    incidents, other_coordinator, specialist, requester, representative, analyst,
    problem_coordinator,
):  # fmt: skip
    from steward.problems.queries.candidates import candidates_for

    svc.candidates_refresh()
    candidate = _open()[0]
    for outsider in (other_coordinator, specialist, requester, representative, analyst):
        with pytest.raises(PermissionDenied):
            svc.candidate_register(actor=outsider, candidate_id=candidate.pk)
        with pytest.raises(PermissionDenied):
            svc.candidate_dismiss(actor=outsider, candidate_id=candidate.pk, reason="No")
        assert not candidates_for(outsider).exists()
    assert candidates_for(problem_coordinator).count() == 2
    assert not ProblemIncident.objects.exists()


# --- pages and API -----------------------------------------------------------------------


def test_pages_list_show_and_register_landing_on_the_problem(
    incidents, client, problem_coordinator
):
    svc.candidates_refresh()
    vpn = _open()[0]
    client.force_login(problem_coordinator)
    listing = client.get(reverse("problems:candidate-list"))
    assert listing.status_code == 200 and vpn.label in listing.content.decode()
    page = client.get(reverse("problems:candidate-detail", args=[vpn.pk]))
    assert page.status_code == 200
    assert "Register a problem" in page.content.decode() and incidents[0].number in (
        page.content.decode()
    )
    refused = client.post(reverse("problems:candidate-dismiss", args=[vpn.pk]), {"reason": ""})
    assert refused.status_code == 400
    done = client.post(reverse("problems:candidate-register", args=[vpn.pk]), {"title": "VPN"})
    vpn.refresh_from_db()
    assert done.status_code == 302 and done.url == vpn.problem.get_absolute_url()


def test_api_lists_registers_and_dismisses(incidents, api, problem_coordinator, other_coordinator):
    svc.candidates_refresh()
    vpn, printer = _open()
    client = api.as_(problem_coordinator)
    listed = client.get("/api/v1/problem-candidates/")
    assert listed.status_code == 200
    assert {r["id"] for r in listed.json()["results"]} == {vpn.pk, printer.pk}
    bad = client.post(f"/api/v1/problem-candidates/{printer.pk}/dismiss/", {}, format="json")
    assert bad.status_code == 400
    made = client.post(f"/api/v1/problem-candidates/{vpn.pk}/register/", {}, format="json")
    assert made.status_code == 200 and made.json()["problem"]
    gone = client.post(f"/api/v1/problem-candidates/{printer.pk}/dismiss/",
                       {"reason": "Toner"}, format="json")  # fmt: skip
    assert gone.json()["status"] == "dismissed"
    again = client.post(f"/api/v1/problem-candidates/{vpn.pk}/register/", {}, format="json")
    assert again.status_code == 409
    assert (
        api.as_(other_coordinator).get(f"/api/v1/problem-candidates/{vpn.pk}/").status_code == 404
    )


def test_the_command_runs_the_job_and_prints_its_counts(incidents):
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("problem_candidates", stdout=out)
    assert json.loads(out.getvalue())["created"] == 2
