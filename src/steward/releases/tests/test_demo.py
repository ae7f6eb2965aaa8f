"""The Release Management demo: the Online Banking CAB's meetings and their votes, a closed
release with its review, one in coordination, one abandoned after its business case was
rejected, the backlog release for the next meeting; and the pages render."""

from django.urls import reverse

from steward.core.models import Person
from steward.core.tests.test_csp import inline_code
from steward.releases import rules
from steward.releases.models import (
    BusinessCase,
    Cab,
    CabAgendaItem,
    CabMeeting,
    Release,
    ReleasePolicy,
    RfcHandling,
    Rollback,
)


def _release(title):
    return Release.objects.get(title=title)


def test_the_last_meeting_rejected_one_included_two_and_left_one_in_the_backlog(demo):
    cab = Cab.objects.get(service__name="Online Banking")
    assert set(cab.members.values_list("username", flat=True)) == {
        "max.manager", "carla.cab", "bram.cab",
    }  # fmt: skip
    closed = CabMeeting.objects.filter(cab=cab, status="closed").order_by("starts_at")
    assert closed.count() == 3
    last = closed.last()
    outcomes = sorted(last.agenda.values_list("outcome", flat=True))
    assert outcomes == ["backlog", "included", "included", "rejected"]
    assert last.rejected_closed_at and last.minutes_published_at
    assert last.release.title == "Online Banking 2027.1"
    assert last.next_meeting.status == "invited"
    # The rejected request is closed in Change Management too.
    rejected = last.agenda.get(outcome="rejected").rfc
    assert (rejected.status, rejected.rejection) == ("rejected", "cab")


def test_the_two_thirds_rule_is_what_the_votes_say(demo):
    items = CabAgendaItem.objects.filter(meeting__cab__service__name="Online Banking")
    assert items.count() == 8
    for item in items.prefetch_related("votes"):
        votes = list(item.votes.values_list("vote", flat=True))
        assert len(votes) == item.members_count == 3
        assert item.reject_votes == votes.count("reject")
        assert item.include_votes == votes.count("include")
        assert item.no_opinion_votes == votes.count("no_opinion")
        assert item.outcome == rules.cab_outcome(
            members=3, rejects=item.reject_votes, includes=item.include_votes
        )
    # 2 of 3 is two-thirds: included with one "no opinion".
    assert items.filter(outcome="included", include_votes=2).exists()


def test_the_closed_release_was_rolled_back_once_deployed_again_and_reviewed(demo):
    release = _release("Online Banking 2026.4")
    assert release.status == "closed" and release.production_at
    assert release.review_published_at
    attendees = set(release.review_attendees.values_list("username", flat=True))
    assert {"olivia.owner", "chris.change"} <= attendees
    assert set(release.rfc_handlings.values_list("status", flat=True)) == {"fulfilled"}
    assert Rollback.objects.filter(release=release).count() == 1
    assert release.baselines.filter(moment="before").exists()


def test_the_release_in_coordination_has_its_plan_and_is_in_test(demo):
    release = _release("Online Banking 2027.1")
    assert (release.status, release.justification) == ("coordination", "approved")
    assert release.cab_defined
    case = BusinessCase.objects.get(release=release)
    assert case.status == "approved" and case.decided_by.username == "olivia.owner"
    assert case.costs > release.available_budget
    statuses = sorted(release.plan_items.values_list("status", flat=True))
    assert statuses == ["completed", "requested"]
    assert all(i.request.change_id for i in release.plan_items.all())
    done = release.stages.filter(transferred_at__isnull=False)
    assert set(done.values_list("environment", flat=True)) == {"development", "test"}


def test_the_rejected_business_case_put_its_requests_back_in_the_backlog(demo):
    abandoned = Release.objects.get(status="abandoned", service__name="Online Banking")
    case = BusinessCase.objects.get(release=abandoned)
    assert case.decided_by.username == "olivia.owner" and case.decision_note
    assert abandoned.justification == "rejected"
    backlog = Release.objects.get(is_backlog=True, service__name="Online Banking")
    titles = set(
        RfcHandling.objects.filter(release=backlog, status="cab_list").values_list(
            "rfc__title", flat=True
        )
    )
    assert titles == {
        "Dark mode for the customer portal",
        "Chat with an adviser in the mobile app",
        "Spending categories in the transaction list",
    }
    assert RfcHandling.objects.filter(status="passed_back").count() == 1


def test_the_release_pages_render_for_the_release_coordinator(client, demo):
    client.force_login(Person.objects.get(username="rob.release"))
    cab = Cab.objects.get(service__name="Online Banking")
    urls = [
        reverse("releases:release-list"), reverse("releases:roadmap"),
        reverse("releases:kpis"), reverse("releases:handling-list"),
        reverse("releases:cab-list"), reverse("releases:meeting-list"),
        reverse("releases:business-case-list"), reverse("releases:policy-list"),
        cab.get_absolute_url(), *[p.get_absolute_url() for p in ReleasePolicy.objects.all()],
        *[r.get_absolute_url() for r in Release.objects.all()],
        *[m.get_absolute_url() for m in CabMeeting.objects.all()],
        *[c.get_absolute_url() for c in BusinessCase.objects.all()],
        *[h.get_absolute_url() for h in RfcHandling.objects.all()],
    ]  # fmt: skip
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert not inline_code(page.content.decode()), url
