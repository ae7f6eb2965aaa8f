"""Release coordination (seed 003 ch. 10 proc. 2's plan and proc. 4) through the services,
the API and the pages: the plan's validation (supporting services, change coordinators,
dependency cycles), the requirement documents becoming requests for change, every branch
of a change's completion (``rules.after_change_completed``), the release's completion
(back to the backlog or unmet; who is told: CAB-defined x business case), Change
Management's word when a change closes, the review and closure order, and the denials."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.changes.models import RequestForChange
from steward.changes.services.rfcs import rfc_review
from steward.core import numbering
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import JournalEntry, Notification
from steward.core.tests.api import field_errors
from steward.core.tests.factories import staff_fixture
from steward.releases.models import BusinessCase, Release, ReleasePlanItem, RfcHandling
from steward.releases.services import coordination as coord
from steward.releases.services import releases as svc
from steward.releases.services import review as reviews

pytestmark = pytest.mark.django_db

payroll_change_coordinator = staff_fixture(
    "payroll_change_coordinator", "change_coordinator", "payrollcc", scope="other_service"
)


def told(person, event: str) -> int:
    return Notification.objects.filter(recipient=person, event=event).count()


@pytest.fixture
def rfcs(make_rfc):
    return [make_rfc(title="Shared mailboxes"), make_rfc(title="Bigger quotas")]


@pytest.fixture
def release(make_release, rfcs, release_coordinator, service, other_service):
    """A release of E-mail with both requests in it; Payroll supports E-mail."""
    service.supporting_services.add(other_service)
    made = make_release()
    for rfc in rfcs:
        # The hand-over may have made the handling already (the handling topic).
        handling, _ = RfcHandling.objects.get_or_create(
            rfc=rfc, defaults={"service": service, "received_at": timezone.now()}
        )
        RfcHandling.objects.filter(pk=handling.pk).update(status="cab_list")
        handling.refresh_from_db()
        svc.put_in_release(handling, made, actor=release_coordinator, by_cab=True)
    return made


def coordinating(release: Release) -> Release:
    Release.objects.filter(pk=release.pk).update(status="coordination")
    release.refresh_from_db()
    return release


def add(release, actor, coordinator, **fields):
    fields.setdefault("title", "Mailbox server")
    fields.setdefault("service_id", release.service_id)
    fields.setdefault("requirements", "Shared mailboxes for teams.")
    fields.setdefault("duration_days", 3)
    return coord.plan_item_add(actor=actor, release_id=release.pk,
                               change_coordinator_id=coordinator.pk, **fields)  # fmt: skip


# --- Proc. 2: the plan ---------------------------------------------------------------------


def test_the_plan_covers_the_service_and_its_supporting_services(
    release, release_coordinator, change_coordinator, payroll_change_coordinator,
    other_service, rfcs,
):  # fmt: skip
    first = add(release, release_coordinator, change_coordinator, rfc_ids=[rfcs[0].pk])
    second = add(release, release_coordinator, payroll_change_coordinator, title="Payroll feed",
                 service_id=other_service.pk, duration_days=2, depends_on_ids=[first.pk])  # fmt: skip
    third = add(release, release_coordinator, change_coordinator, title="Docs", duration_days=1)
    assert list(first.rfcs.all()) == [rfcs[0]] and list(second.depends_on.all()) == [first]
    plan = coord.schedule(release.plan_items.all())
    days = {item.title: (start, end, critical) for item, start, end, critical in plan["rows"]}
    assert days == {"Mailbox server": (1, 3, True), "Payroll feed": (4, 5, True),
                    "Docs": (1, 1, False)}  # fmt: skip
    assert plan["total"] == 5 and third.position == 3
    assert JournalEntry.objects.filter(record_id=release.pk, body__contains="Payroll feed").exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": " "}, "title"),
        ({"requirements": ""}, "requirements"),
        ({"duration_days": 0}, "duration_days"),
        ({"duration_days": "many"}, "duration_days"),
        ({"service_id": "unrelated"}, "service"),
        ({"coordinator": "payroll"}, "change_coordinator"),
        ({"coordinator": "outsider"}, "change_coordinator"),
        ({"rfc_ids": "foreign"}, "rfcs"),
        ({"depends_on_ids": [987654]}, "depends_on"),
    ],
)
def test_the_plan_refuses_bad_changes_by_field(
    release, release_coordinator, change_coordinator, payroll_change_coordinator, outsider,
    provider, make_rfc, fields, field,
):  # fmt: skip
    from steward.releases.tests.conftest import _active_service

    coordinator = {"payroll": payroll_change_coordinator, "outsider": outsider}.get(
        fields.pop("coordinator", None), change_coordinator
    )
    if fields.get("service_id") == "unrelated":
        fields["service_id"] = _active_service("Intranet", provider).pk
    if fields.get("rfc_ids") == "foreign":
        fields["rfc_ids"] = [make_rfc(title="Not in the release").pk]
    with pytest.raises(ValidationError) as refused:
        add(release, release_coordinator, coordinator, **fields)
    assert field in refused.value.message_dict
    assert not release.plan_items.exists()


def test_a_dependency_cycle_is_refused_naming_it(release, release_coordinator, change_coordinator):
    a = add(release, release_coordinator, change_coordinator, title="A")
    b = add(release, release_coordinator, change_coordinator, title="B", depends_on_ids=[a.pk])
    c = add(release, release_coordinator, change_coordinator, title="C", depends_on_ids=[b.pk])
    with pytest.raises(ValidationError) as refused:
        coord.plan_item_update(actor=release_coordinator, item_id=a.pk,
                               data={"depends_on": [c.pk]})  # fmt: skip
    assert refused.value.message_dict["depends_on"] == ["This would make a cycle: A → C → B → A."]
    with pytest.raises(ValidationError):
        coord.plan_item_update(actor=release_coordinator, item_id=a.pk, data={"depends_on": [a.pk]})
    assert not a.depends_on.exists()
    updated = coord.plan_item_update(actor=release_coordinator, item_id=c.pk,
                                     data={"depends_on": [a.pk], "duration_days": 4})  # fmt: skip
    assert list(updated.depends_on.all()) == [a] and updated.duration_days == 4


def test_only_planned_changes_are_edited_or_removed_and_not_in_the_backlog(
    release, release_coordinator, change_coordinator, service
):
    item = add(release, release_coordinator, change_coordinator)
    coord.plan_item_send(
        actor=release_coordinator, item_id=coordinating(release).plan_items.get().pk
    )
    for write in (
        lambda: coord.plan_item_update(
            actor=release_coordinator, item_id=item.pk, data={"title": "x"}
        ),
        lambda: coord.plan_item_remove(actor=release_coordinator, item_id=item.pk),
    ):
        with pytest.raises(DomainError):
            write()
    backlog = svc.backlog_release(service)
    with pytest.raises(DomainError):
        add(backlog, release_coordinator, change_coordinator)
    other = add(release, release_coordinator, change_coordinator, title="Spare")
    coord.plan_item_remove(actor=release_coordinator, item_id=other.pk, release_id=release.pk)
    assert not ReleasePlanItem.objects.filter(pk=other.pk).exists()


# --- Proc. 4: the requirement documents ------------------------------------------------------


def test_sending_submits_a_request_for_change_that_never_comes_back(
    release, release_coordinator, change_coordinator, rfcs
):
    item = add(release, release_coordinator, change_coordinator, rfc_ids=[rfcs[0].pk])
    with pytest.raises(DomainError):  # not in coordination yet
        coord.plan_item_send(actor=release_coordinator, item_id=item.pk)
    coordinating(release)
    coord.plan_item_send(actor=release_coordinator, item_id=item.pk)
    item.refresh_from_db()
    rfc = item.request
    assert item.status == "requested" and item.sent_at is not None
    assert (rfc.source, rfc.origin_reference, rfc.service_id) == ("release", release.number,
                                                                   release.service_id)  # fmt: skip
    assert "Shared mailboxes for teams." in rfc.description and rfcs[0].number in rfc.description
    assert rfc.functionality_changes is True and rfc.single_coordinator is True
    assert rfc.wanted_by.date() == (timezone.now() + dt.timedelta(days=3)).date()
    assert told(change_coordinator, "release.requirements_sent") == 1
    # Change Management registers the change from it; Release Management is not asked again.
    from steward.changes.rules import needs_release_management

    assert not needs_release_management(source=rfc.source, problem_fix=rfc.problem_fix,
                                        single_coordinator=True, functionality_changes=True,
                                        extra_funding=rfc.extra_funding)  # fmt: skip
    with pytest.raises(DomainError):
        coord.plan_item_send(actor=release_coordinator, item_id=item.pk)


def test_send_all_sends_every_planned_change(release, release_coordinator, change_coordinator):
    for title in ("One", "Two"):
        add(release, release_coordinator, change_coordinator, title=title)
    coordinating(release)
    sent = coord.plan_send_all(actor=release_coordinator, release_id=release.pk)
    assert len(sent) == 2
    assert set(release.plan_items.values_list("status", flat=True)) == {"requested"}
    assert RequestForChange.objects.filter(source="release").count() == 2
    with pytest.raises(DomainError):
        coord.plan_send_all(actor=release_coordinator, release_id=release.pk)


# --- Proc. 4: a change completed ----------------------------------------------------------


@pytest.fixture
def requested(release, release_coordinator, change_coordinator):
    item = add(release, release_coordinator, change_coordinator)
    coordinating(release)
    coord.plan_item_send(actor=release_coordinator, item_id=item.pk)
    item.refresh_from_db()
    return item


EXTRA = {"additional_title": "Finish quotas", "additional_requirements": "Quotas of 10 GB."}


@pytest.mark.parametrize(
    "outcome, possible, blackout, extra, status, additional, accepted",
    [
        # All requirements fulfilled: a short update only.
        ("completed", None, None, False, "completed", False, False),
        # Not all: an additional change can still fulfil all or most requirements.
        ("partly", True, None, True, "partly", True, False),
        ("failed", True, False, True, "failed", True, False),
        # Not all: an additional change is needed to complete the black-out.
        ("partly", False, True, True, "partly", True, False),
        ("failed", None, True, True, "failed", True, False),
        # Neither: the failure is accepted.
        ("partly", False, False, False, "partly", False, True),
        ("failed", None, None, False, "failed", False, True),
    ],
)  # fmt: skip
def test_a_completed_change_is_recorded_as_proc_4_says(
    requested, release, release_coordinator, change_coordinator, outcome, possible, blackout,
    extra, status, additional, accepted,
):  # fmt: skip
    more = {**EXTRA, "additional_coordinator_id": change_coordinator.pk} if extra else {}
    coord.plan_item_complete(actor=release_coordinator, item_id=requested.pk, outcome=outcome,
                             note="Mailboxes live.", additional_change_possible=possible,
                             blackout_incomplete=blackout, **more)  # fmt: skip
    requested.refresh_from_db()
    assert requested.status == status and requested.outcome_note == "Mailboxes live."
    update = JournalEntry.objects.get(record_id=release.pk, kind="work_note")
    assert "Mailboxes live." in update.body
    assert ("The failure is accepted" in update.body) is accepted
    added = release.plan_items.filter(additional=True)
    assert added.exists() is additional
    if additional:
        new = added.get()
        assert new.status == "requested" and new.request.source == "release"
        assert list(new.rfcs.all()) == list(requested.rfcs.all())


@pytest.mark.parametrize(
    "outcome, possible, fields, field",
    [
        ("partly", True, {}, "additional_title"),
        ("failed", True, {"additional_title": "x", "additional_requirements": "y"},
         "additional_coordinator_id"),
        ("completed", None, EXTRA, "additional_title"),
        ("failed", None, EXTRA, "additional_requirements"),
        ("sideways", None, {}, "outcome"),
    ],
)  # fmt: skip
def test_completion_refuses_what_the_rule_does_not_allow(
    requested, release_coordinator, outcome, possible, fields, field
):
    with pytest.raises(ValidationError) as refused:
        coord.plan_item_complete(actor=release_coordinator, item_id=requested.pk,
                                 outcome=outcome, note="Done", additional_change_possible=possible,
                                 **fields)  # fmt: skip
    assert field in refused.value.message_dict
    requested.refresh_from_db()
    assert requested.status == "requested"


def test_the_additional_coordinator_must_coordinate_changes_of_the_service(
    requested, release_coordinator, payroll_change_coordinator
):
    with pytest.raises(ValidationError) as refused:
        coord.plan_item_complete(
            actor=release_coordinator, item_id=requested.pk, outcome="failed", note="Broke",
            blackout_incomplete=True, additional_coordinator_id=payroll_change_coordinator.pk,
            **EXTRA,
        )  # fmt: skip
    assert "additional_coordinator_id" in refused.value.message_dict
    requested.refresh_from_db()
    assert requested.status == "requested"


# --- Change Management tells the release coordinator ---------------------------------------


def _registered_change(item, change_coordinator):
    from steward.changes.models import ChangeTemplate

    template = ChangeTemplate.objects.create(name="Mail change", change_type="normal",
                                             category="infrastructure")  # fmt: skip
    rfc = rfc_review(actor=change_coordinator, rfc_id=item.request_id, decision="register",
                     template_id=template.pk, cmdb_update=True)  # fmt: skip
    assert rfc.change_id, "Change Management registered the change from the request"
    return rfc.change


@pytest.mark.parametrize("met", [True, False])
def test_a_closing_change_tells_the_release_coordinator(
    requested, release, release_coordinator, change_coordinator, met
):
    from steward.changes.models import Change
    from steward.changes.services import closure
    from steward.changes.services import tasks as task_svc

    change = _registered_change(requested, change_coordinator)
    Change.objects.filter(pk=change.pk).update(status="production_test")
    closure.change_production_test(actor=change_coordinator, change_id=change.pk,
                                   requirements_met=met)  # fmt: skip
    if met:  # the updates cancelled, the change closes
        for task in change.tasks.filter(status="open"):
            task_svc.task_cancel(actor=change_coordinator, task_id=task.pk)
        closure.change_close(actor=change_coordinator, change_id=change.pk)
    change.refresh_from_db()
    assert change.status == ("closed" if met else "backed_out")
    assert told(release_coordinator, "release.change_closed") == 1
    requested.refresh_from_db()
    assert requested.status == "requested"  # the release coordinator records the outcome


def test_the_hook_ignores_changes_of_no_release(requested, change_coordinator):
    change = _registered_change(requested, change_coordinator)
    ReleasePlanItem.objects.filter(pk=requested.pk).update(status="completed")
    assert coord.change_closed(change) == 0


# --- Proc. 4: the release completed ---------------------------------------------------------


def _all_done(release, actor, coordinator):
    item = add(release, actor, coordinator)
    coordinating(release)
    coord.plan_item_send(actor=actor, item_id=item.pk)
    coord.plan_item_complete(actor=actor, item_id=item.pk, outcome="partly", note="Half.",
                             additional_change_possible=False)  # fmt: skip


@pytest.mark.parametrize("cab_defined", [True, False])
@pytest.mark.parametrize("business_case", [True, False])
def test_completion_tells_who_proc_4_says_and_moves_unmet_requests(
    release, rfcs, release_coordinator, change_coordinator, requester, cab, cab_members,
    service_owner, cab_defined, business_case,
):  # fmt: skip
    Release.objects.filter(pk=release.pk).update(cab_defined=cab_defined)
    if business_case:
        case = BusinessCase(release=release, status="approved", costs=10, benefits="Less mail",
                            budget_requested=10, decided_by=service_owner)  # fmt: skip
        numbering.assign(case)
        case.save()
    _all_done(release, release_coordinator, change_coordinator)
    reviews.release_complete(actor=release_coordinator, release_id=release.pk,
                           fulfilled_rfc_ids=[rfcs[0].pk], note="Quotas next time.")  # fmt: skip
    release.refresh_from_db()
    assert release.status == "review" and release.completion_note == "Quotas next time."
    met, unmet = (RfcHandling.objects.get(rfc=r) for r in rfcs)
    assert met.status == "fulfilled" and met.release == release
    if cab_defined:  # back to the backlog release for the next CAB meeting
        assert unmet.status == "cab_list" and unmet.release.is_backlog
    else:
        assert unmet.status == "unmet" and unmet.release == release
    assert told(requester, "release.requirements_met") == 1
    assert told(requester, "release.requirements_unmet") == 1
    assert all(told(m, "release.completed_cab") == int(cab_defined) for m in cab_members)
    assert told(service_owner, "release.completed_business_case") == int(business_case)


def test_completion_waits_for_the_last_change(release, release_coordinator, change_coordinator):
    coordinating(release)
    with pytest.raises(DomainError, match="No change"):
        reviews.release_complete(actor=release_coordinator, release_id=release.pk)
    item = add(release, release_coordinator, change_coordinator)
    with pytest.raises(DomainError, match="still"):
        reviews.release_complete(actor=release_coordinator, release_id=release.pk)
    coord.plan_item_send(actor=release_coordinator, item_id=item.pk)
    with pytest.raises(DomainError, match="still"):
        reviews.release_complete(actor=release_coordinator, release_id=release.pk)
    with pytest.raises(ValidationError):
        coord.plan_item_complete(actor=release_coordinator, item_id=item.pk, outcome="completed",
                                 note=" ")  # fmt: skip
    coord.plan_item_complete(actor=release_coordinator, item_id=item.pk, outcome="completed",
                             note="Done.")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        reviews.release_complete(actor=release_coordinator, release_id=release.pk,
                               fulfilled_rfc_ids=[987654])  # fmt: skip
    assert "fulfilled_rfcs" in refused.value.message_dict
    reviews.release_complete(actor=release_coordinator, release_id=release.pk)
    assert Release.objects.get(pk=release.pk).status == "review"


# --- Proc. 4: the post-implementation review and closure ------------------------------------


@pytest.fixture
def in_review(release, release_coordinator, change_coordinator):
    _all_done(release, release_coordinator, change_coordinator)
    reviews.release_complete(actor=release_coordinator, release_id=release.pk)
    release.refresh_from_db()
    return release


def test_the_review_needs_the_service_owner_then_publish_then_close(
    in_review, release_coordinator, change_coordinator, service_owner, cab_members
):
    held = timezone.now() - dt.timedelta(hours=2)
    review = {"held_at": held, "improvement_suggestions": "Plan quotas earlier.",
              "decisions": "Quotas in 2027.2."}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        reviews.release_review(actor=release_coordinator, release_id=in_review.pk,
                             attendee_ids=[change_coordinator.pk], **review)  # fmt: skip
    assert "attendees" in refused.value.message_dict
    with pytest.raises(DomainError, match="Publish"):
        reviews.release_close(actor=release_coordinator, release_id=in_review.pk)
    with pytest.raises(DomainError, match="Record"):
        reviews.release_publish_review(actor=release_coordinator, release_id=in_review.pk)
    reviews.release_review(actor=release_coordinator, release_id=in_review.pk,
                         attendee_ids=[service_owner.pk, change_coordinator.pk], **review)  # fmt: skip
    in_review.refresh_from_db()
    assert set(in_review.review_attendees.all()) == {service_owner, change_coordinator}
    reviews.release_publish_review(actor=release_coordinator, release_id=in_review.pk)
    assert told(service_owner, "release.review_published") == 1
    assert told(change_coordinator, "release.review_published") == 1
    with pytest.raises(DomainError):  # published: it no longer changes
        reviews.release_review(actor=release_coordinator, release_id=in_review.pk,
                             attendee_ids=[service_owner.pk], **review)  # fmt: skip
    reviews.release_close(actor=release_coordinator, release_id=in_review.pk)
    in_review.refresh_from_db()
    assert in_review.status == "closed" and in_review.closed_at is not None


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"held_at": None}, "held_at"),
        ({"held_at": "yesterday"}, "held_at"),
        ({"held_at": timezone.now() + dt.timedelta(days=2)}, "held_at"),
        ({"improvement_suggestions": "", "decisions": " "}, "decisions"),
        ({"attendee_ids": []}, "attendees"),
    ],
)
def test_the_review_refuses_bad_input_by_field(in_review, release_coordinator, service_owner,
                                               fields, field):  # fmt: skip
    values = {"held_at": timezone.now() - dt.timedelta(hours=1), "decisions": "Keep it.",
              "attendee_ids": [service_owner.pk], **fields}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        reviews.release_review(actor=release_coordinator, release_id=in_review.pk, **values)
    assert field in refused.value.message_dict


def test_a_release_in_coordination_is_not_closed(release, release_coordinator):
    coordinating(release)
    with pytest.raises(InvalidTransition):
        reviews.release_close(actor=release_coordinator, release_id=release.pk)


# --- Denials ---------------------------------------------------------------------------------


def test_only_the_release_coordinator_of_the_service_coordinates(
    release, release_coordinator, change_coordinator, other_release_coordinator, outsider
):
    item = add(release, release_coordinator, change_coordinator)
    coordinating(release)
    for actor in (other_release_coordinator, outsider, change_coordinator):
        with pytest.raises(PermissionDenied):
            add(release, actor, change_coordinator, title="Not mine")
        with pytest.raises(PermissionDenied):
            coord.plan_item_send(actor=actor, item_id=item.pk)
        with pytest.raises(PermissionDenied):
            reviews.release_complete(actor=actor, release_id=release.pk)
    assert (
        release.plan_items.count() == 1
        and not RequestForChange.objects.filter(source="release").exists()
    )


def test_the_api_plans_sends_completes_and_refuses(
    api, release, release_coordinator, change_coordinator, other_release_coordinator, requester,
):  # fmt: skip
    url = f"/api/v1/releases/{release.pk}"
    body = {"title": "Mailbox server", "service": release.service_id, "requirements": "Shared.",
            "change_coordinator": change_coordinator.pk, "duration_days": 2}  # fmt: skip
    assert api.as_(other_release_coordinator).post(f"{url}/add-plan-item/", body,
                                                   format="json").status_code == 403  # fmt: skip
    assert api.as_(requester).post(f"{url}/add-plan-item/", body,
                                   format="json").status_code in (403, 404)  # fmt: skip
    bad = api.as_(release_coordinator).post(f"{url}/add-plan-item/", {**body, "service": 987654},
                                            format="json")  # fmt: skip
    assert bad.status_code == 400 and "service" in field_errors(bad)
    made = api.as_(release_coordinator).post(f"{url}/add-plan-item/", body, format="json")
    assert made.status_code == 201, made.content
    item = release.plan_items.get()
    listed = api.get(f"/api/v1/release-changes/?release={release.pk}")
    assert [row["id"] for row in listed.json()["results"]] == [item.pk]
    patched = api.patch(f"/api/v1/release-changes/{item.pk}/", {"duration_days": 5}, format="json")
    assert patched.status_code == 200 and patched.json()["duration_days"] == 5
    early = api.post(f"{url}/send-item/", {"item": item.pk}, format="json")
    assert early.status_code == 409
    coordinating(release)
    assert api.post(f"{url}/send-item/", {"item": item.pk}, format="json").status_code == 200
    item.refresh_from_db()
    assert item.status == "requested"
    assert api.patch(f"/api/v1/release-changes/{item.pk}/", {"title": "x"},
                     format="json").status_code == 409  # fmt: skip
    steps = [s["key"] for s in api.get(f"{url}/next-steps/").json()]
    assert "complete-change" in steps and "complete-release" not in steps
    bad = api.post(f"{url}/complete-change/", {"item": item.pk, "outcome": "partly",
                                               "note": "Half", "additional_change_possible":
                                               True}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "additional_title" in field_errors(bad)
    done = api.post(f"{url}/complete-change/", {"item": item.pk, "outcome": "completed",
                                                "note": "Live."}, format="json")  # fmt: skip
    assert done.status_code == 200, done.content
    assert "complete-release" in [s["key"] for s in api.get(f"{url}/next-steps/").json()]
    completed = api.post(f"{url}/complete-release/", {"fulfilled_rfcs": [], "note": ""},
                         format="json")  # fmt: skip
    assert completed.status_code == 200 and completed.json()["status"] == "review"
    assert api.post(f"{url}/close/").status_code == 409


def test_the_pages_show_the_plan_and_refuse_others(
    client, make_release, release_coordinator, change_coordinator, other_release_coordinator,
):  # fmt: skip
    # No request for change in it: the requests section links to the handling pages of
    # another topic.
    release = make_release()
    client.force_login(release_coordinator)
    posted = client.post(f"/releases/{release.pk}/add-plan-item/", {
        "title": "Mailbox server", "service": release.service_id, "requirements": "Shared.",
        "change_coordinator": change_coordinator.pk, "duration_days": 2,
    })  # fmt: skip
    assert posted.status_code == 302, posted.content
    item = release.plan_items.get()
    refused = client.post(f"/releases/{release.pk}/add-plan-item/", {
        "title": "Other", "service": release.service_id, "requirements": "",
        "change_coordinator": change_coordinator.pk, "duration_days": 2,
    })  # fmt: skip
    assert refused.status_code == 400
    coordinating(release)
    page = client.get(f"/releases/{release.pk}/").content.decode()
    assert "Mailbox server" in page and "Day 1\N{EN DASH}2" in page and 'id="coordination"' in page
    assert client.post(f"/releases/{release.pk}/plan/{item.pk}/send/").status_code == 302
    item.refresh_from_db()
    assert item.status == "requested"
    page = client.get(f"/releases/{release.pk}/").content.decode()
    assert item.request.number in page and "Record the outcome" in page
    client.force_login(other_release_coordinator)
    denied = client.post(f"/releases/{release.pk}/plan/{item.pk}/complete/",
                         {"outcome": "completed", "note": "Mine now"})  # fmt: skip
    assert denied.status_code == 403
    client.force_login(release_coordinator)
    done = client.post(f"/releases/{release.pk}/plan/{item.pk}/complete/",
                       {"outcome": "completed", "note": "Live."})  # fmt: skip
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == "completed"
    assert "1 of 1 changes done" in client.get(f"/releases/{release.pk}/").content.decode()


def test_my_work_lists_the_requirements_sent_to_a_change_coordinator(
    client, requested, change_coordinator
):
    from steward.releases.registrations import _sent_to_me

    rows = _sent_to_me(change_coordinator)
    assert [r["title"] for r in rows] == [requested.title]
    assert rows[0]["number"] == requested.request.number
