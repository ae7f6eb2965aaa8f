"""Demo data of Release Management: release policies, the CAB of Online Banking and its
meetings (votes, minutes), requests for change handed over by Change Management and
reviewed, a closed release with its post-implementation review (rolled back once and
deployed again), a release in coordination, a release abandoned after its business case
was rejected (its requests back in the backlog release) and the next meeting invited.
Everything goes through the services, each step at its own moment in the past (freezegun
moves the clock); the whole part is skipped when the CAB of Online Banking exists."""

import datetime as dt
from collections.abc import Callable
from typing import Any

OB, PG = "Online Banking", "Payments Gateway"
FEATURE = {"causes_outage_in_service_hours": False, "functionality_changes": True,
           "cmdb_update": True, "problem_fix": False, "single_coordinator": True,
           "extra_funding": True}  # fmt: skip
# (key, title, why): Online Banking's requests for change, in the order they come in.
RFCS = [
    ("csv", "Export statements as CSV",
     "Business customers want their statements in their bookkeeping software."),
    ("pending", "Show pending card payments",
     "Customers call the desk about card payments not yet booked."),
    ("dark", "Dark mode for the customer portal",
     "Asked for in the customer panel; easier on the eyes in the evening."),
    ("chat", "Chat with an adviser in the mobile app",
     "Customers want to ask an adviser without calling."),
    ("bio", "Biometric login in the mobile app",
     "Fingerprint and face login instead of the PIN on every start."),
    ("limit", "Raise the daily transfer limit for business customers",
     "Business customers hit the EUR 25,000 limit when paying suppliers."),
    ("sms", "Retire the old SMS one-time passwords",
     "SMS codes cost money and are phished; the app's approvals replace them."),
    ("cat", "Spending categories in the transaction list",
     "Group the transactions by category (groceries, travel...)."),
]  # fmt: skip
# The CAB's votes per meeting: {rfc key: (max.manager, carla.cab, bram.cab)}.
VOTES = {
    "first": {"csv": ("include",) * 3, "pending": ("include", "include", "no_opinion")},
    "second": {"dark": ("include",) * 3, "chat": ("include", "include", "reject")},
    "third": {"bio": ("include",) * 3,
              "limit": ("include", "no_opinion", "include"),
              "sms": ("reject", "include", "reject"),
              "cat": ("include", "reject", "no_opinion")},
}  # fmt: skip
MEMBERS = ("max.manager", "carla.cab", "bram.cab")
PLACE = "Room 4.12, head office"


class _Story:
    """Release Management of Online Banking over the last quarter."""

    def __init__(self, context: dict[str, Any]) -> None:
        from django.utils import timezone

        self.people, self.services = context["people"], context["services"]
        self.rob, self.ria = self.people["rob.release"], self.people["ria.release"]
        self.chris, self.olivia = self.people["chris.change"], self.people["olivia.owner"]
        self.service = self.services[OB]
        self.rfcs: dict[str, Any] = {}
        self.cab: Any = None
        self.today = timezone.localdate()
        self.clock: Any = None  # freezegun's, set by load()
        from steward.incidents.models import IncidentRequest

        # The requests come in through the request form: one demo request each.
        self.incidents = list(
            IncidentRequest.objects.filter(service=self.service, requests_for_change__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[: len(RFCS)]
        )

    def moment(self, days: float, hour: int = 10) -> dt.datetime:
        """``days`` before today (negative: ahead) at ``hour`` o'clock local time; today
        is the real one, also while the clock is moved."""
        from django.utils import timezone

        day = self.today - dt.timedelta(days=int(days))
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        return start - dt.timedelta(days=days - int(days))

    def at(self, days: float | None, step: Callable[[], Any], hour: int = 10) -> Any:
        """``step`` at ``moment(days, hour)``; ``days`` None: now. One clock moved from
        step to step (starting freezegun for each step costs a scan of every module)."""
        if days is None:
            return step()
        self.clock.move_to(self.moment(days, hour))
        return step()

    # --- proc. 1: the requests for change ------------------------------------------------

    def hand_over(self, days: float, key: str) -> Any:
        """A customer's request (the request form) reaches the change coordinator, who
        hands it to Release Management; the release coordinator puts it on the CAB's list
        with the effort and cost estimated."""
        from steward.changes.services import rfcs
        from steward.releases.services.handling import handling_review

        title, why = next((t, w) for k, t, w in RFCS if k == key)
        incident = self.incidents.pop(0) if self.incidents else None
        source = (
            {"source": "request_form", "incident_id": incident}
            if incident
            else {"source": "known_error", "origin_reference": "Customer panel"}
        )

        def steps() -> Any:
            rfc = rfcs.rfc_submit(actor=self.olivia, title=title, service_id=self.service.pk,
                                  description=why, **source)  # fmt: skip
            rfcs.rfc_review(actor=self.chris, rfc_id=rfc.pk, decision="to_release",
                            note="A new feature: Release Management.", **FEATURE)  # fmt: skip
            rfc.refresh_from_db()
            effort = 40 + 20 * (len(self.rfcs) % 4)
            handling_review(
                actor=self.rob, handling_id=rfc.release_handling.pk, decision="cab",
                problem_fix=False, single_coordinator=True, functionality_changes=True,
                extra_funding=True, effort_hours=effort, cost=effort * 95,
                note="New functionality: the CAB decides.",
            )  # fmt: skip
            return rfc

        self.rfcs[key] = self.at(days, steps)
        return self.rfcs[key]

    def passed_back(self, days: float) -> None:
        """A problem fix the change coordinator thought needed funding; the release
        coordinator finds it within the provisos and passes it back."""
        from steward.changes.services import rfcs
        from steward.releases.services.handling import handling_review

        def steps() -> None:
            rfc = rfcs.rfc_submit(
                actor=self.people.get("pat.problem") or self.olivia,
                title="Fix the session timeout that logs customers out while typing",
                service_id=self.service.pk, source="known_error", origin_reference="KE000106",
                description="The portal ends the session after 5 minutes even while typing.",
            )  # fmt: skip
            rfcs.rfc_review(actor=self.chris, rfc_id=rfc.pk, decision="to_release",
                            note="Might need funding: Release Management.",
                            **{**FEATURE, "functionality_changes": False, "problem_fix": True})  # fmt: skip
            rfc.refresh_from_db()
            handling_review(
                actor=self.rob, handling_id=rfc.release_handling.pk, decision="pass_back",
                problem_fix=True, single_coordinator=True, functionality_changes=False,
                extra_funding=False,
                note="A one-line fix within the team's budget: no release needed.",
            )  # fmt: skip

        self.at(days, steps)

    # --- proc. 2: the CAB and its meetings -----------------------------------------------

    def meeting(self, meeting: Any, days: float, votes: dict[str, tuple[str, ...]],
                next_days: float, minutes: str) -> Any:  # fmt: skip
        """The meeting ``days`` ago: its list finalised after the deadline, opened, the
        members' votes, closed with the next meeting agreed, the rejected closed, the
        minutes published. Returns the next meeting."""
        from steward.releases.services import cabs

        self.at(days + 2, lambda: cabs.meeting_finalise(actor=self.rob, meeting_id=meeting.pk))
        self.at(days, lambda: cabs.meeting_open(actor=self.rob, meeting_id=meeting.pk), hour=14)
        for index, member in enumerate(MEMBERS):
            ballot = {self.rfcs[key].pk: choice[index] for key, choice in votes.items()}
            self.at(days - 0.01 * (index + 1), lambda m=member, b=ballot: cabs.meeting_vote(
                actor=self.people[m], meeting_id=meeting.pk, votes=b), hour=14)  # fmt: skip
        closed = self.at(days - 0.05, lambda: cabs.meeting_close(
            actor=self.rob, meeting_id=meeting.pk, next_starts_at=self.moment(next_days, 14),
            next_place=PLACE, next_deadline=self.moment(next_days + 3, 17),
        ), hour=14)  # fmt: skip
        if not closed.rejected_closed_at:
            self.at(days - 0.1, lambda: cabs.meeting_close_rejected(
                actor=self.rob, meeting_id=meeting.pk), hour=14)  # fmt: skip
        self.at(days - 0.15, lambda: cabs.meeting_publish_minutes(
            actor=self.rob, meeting_id=meeting.pk, minutes=minutes), hour=14)  # fmt: skip
        return closed.next_meeting

    def register(self, meeting: Any, days: float, title: str, **values: Any) -> Any:
        from steward.releases.services import cabs

        done = self.at(days, lambda: cabs.meeting_register_release(
            actor=self.rob, meeting_id=meeting.pk, title=title, **values))  # fmt: skip
        return done.release

    def invite(self, meeting: Any, days: float) -> None:
        from steward.releases.services import cabs

        self.at(days, lambda: cabs.meeting_invite(actor=self.rob, meeting_id=meeting.pk))

    # --- proc. 3 and 4: justification and coordination -----------------------------------

    def justify(self, release: Any, days: float, budget: int, *, approve: bool | None,
                note: str = "") -> None:  # fmt: skip
        """The justification decided; when a business case is needed it is prepared,
        submitted and decided by the service owner (``approve`` None: not needed)."""
        from steward.releases.services import justification as svc

        self.at(days, lambda: svc.release_justify(
            actor=self.rob, release_id=release.pk, available_budget=budget,
            budget_reference=f"OB-{release.number[-3:]}"))  # fmt: skip
        if approve is None:
            return
        release.refresh_from_db()
        case = self.at(days - 1, lambda: svc.business_case_prepare(
            actor=self.rob, release_id=release.pk, costs=release.estimated_cost,
            budget_requested=release.estimated_cost - budget,
            benefits=f"{release.title}: fewer calls to the service desk and what the "
                     "customer panel asked for most.",
        ))  # fmt: skip
        self.at(days - 2, lambda: svc.business_case_submit(actor=self.rob, case_id=case.pk))
        self.at(days - 4, lambda: svc.business_case_decide(
            actor=self.olivia, case_id=case.pk, approve=approve, note=note), hour=15)  # fmt: skip

    def plan(self, release: Any, days: float, items: list[tuple[str, list[str], int]]) -> list:
        """The high-level plan (each change for chris.change, covering RFC keys), sent to
        Change Management, where the change coordinator registers the changes."""
        from steward.changes.models import TaskTemplate
        from steward.changes.services import rfcs
        from steward.releases.services import coordination as svc

        def steps() -> list:
            added: list[Any] = []
            for title, keys, days_long in items:
                added.append(svc.plan_item_add(
                    actor=self.rob, release_id=release.pk, title=title,
                    service_id=self.service.pk, change_coordinator_id=self.chris.pk,
                    requirements=f"{title}.\nAccepted when the customer test passes.",
                    rfc_ids=[self.rfcs[k].pk for k in keys], duration_days=days_long,
                ))  # fmt: skip
            return added

        added = self.at(days, steps)
        # The stand-alone task templates (update the CMDB, tell the service desk).
        desk = list(TaskTemplate.objects.filter(change_template__isnull=True)
                    .order_by("pk").values_list("pk", flat=True)[:2])  # fmt: skip
        self.at(days - 0.1, lambda: svc.plan_send_all(actor=self.rob, release_id=release.pk))
        for item in added:
            item.refresh_from_db()
            self.at(days - 1, lambda i=item: rfcs.rfc_review(
                actor=self.chris, rfc_id=i.request_id, decision="register",
                category="application", cmdb_update=True, task_template_ids=desk,
                note=f"Registered for {release.number}."))  # fmt: skip
        return added

    def complete(self, item: Any, days: float, note: str) -> None:
        from steward.releases.services.coordination import plan_item_complete

        self.at(days, lambda: plan_item_complete(actor=self.rob, item_id=item.pk,
                                                 outcome="completed", note=note))  # fmt: skip

    def deploy_plan(self, release: Any, days: float, when: dict[str, float]) -> None:
        from steward.releases.services.deployment import deployment_plan

        texts = {"development": "Build of the app and portal", "test": "Test build, test data",
                 "acceptance": "Acceptance build; test script for the customer panel",
                 "production": "Production build, release notes, desk briefing"}  # fmt: skip
        stages = [{"environment": env, "planned_at": self.moment(ago, 20),
                   "deliverables": texts[env]} for env, ago in when.items()]  # fmt: skip
        self.at(days, lambda: deployment_plan(actor=self.rob, release_id=release.pk,
                                              stages=stages))  # fmt: skip

    def transfer(self, release: Any, days: float, env: str, note: str, **more: Any) -> None:
        from steward.releases.services.deployment import release_transfer

        self.at(days, lambda: release_transfer(actor=self.ria, release_id=release.pk,
                                               environment=env, note=note, **more), hour=20)  # fmt: skip


def _setup(story: _Story) -> Any:
    """The release policies and the CAB of Online Banking."""
    from steward.releases.services import cabs
    from steward.releases.services.deployment import release_policy_create

    def steps() -> Any:
        release_policy_create(
            actor=story.rob, service_id=story.service.pk,
            description="Online Banking changes its customers' daily tool: releases are "
                        "planned, tested by the customer panel and baselined.",
            major_frequency="Twice a year (spring and autumn)", minor_frequency="Monthly",
            environments=["development", "test", "acceptance", "production"],
            acceptance_test_required=True, baseline_required=True,
            emergency_rules="Only to restore the service, with an emergency change.",
        )  # fmt: skip
        release_policy_create(
            actor=story.rob, service_id=story.services[PG].pk,
            description="Payments follow the scheme's release calendar.",
            major_frequency="Once a year (the scheme's November release)",
            minor_frequency="Quarterly", environments=["test", "acceptance", "production"],
            acceptance_test_required=True, baseline_required=True,
            emergency_rules="For scheme mandates and security fixes.",
        )  # fmt: skip
        return cabs.cab_create(
            actor=story.rob, service_id=story.service.pk, name="Online Banking CAB",
            member_ids=[story.people[m].pk for m in MEMBERS], usual_place=PLACE,
        )  # fmt: skip

    story.cab = story.at(90, steps)
    return story.at(89, lambda: cabs.meeting_schedule(
        actor=story.rob, cab_id=story.cab.pk, starts_at=story.moment(80, 14),
        submission_deadline=story.moment(83, 17)))  # fmt: skip


def _closed_release(story: _Story, first: Any) -> Any:
    """The first meeting (80 days ago) and its release, Online Banking 2026.4: deployed,
    rolled back once, deployed again, fulfilled, reviewed and closed."""
    from steward.releases.services import review
    from steward.releases.services.deployment import release_rollback

    story.invite(first, 88)
    story.hand_over(87, "csv")
    story.hand_over(86, "pending")
    second = story.meeting(first, 80, VOTES["first"], 60, "Both requests included: the "
                           "statements export and pending card payments go in 2026.4.")  # fmt: skip
    release = story.register(
        first, 79, "Online Banking 2026.4", release_type="minor",
        description="Statements as CSV and pending card payments.",
        planned_start=story.moment(75), planned_end=story.moment(50),
        target_date=story.moment(52), estimated_cost=18000,
    )  # fmt: skip
    story.justify(release, 78, 25000, approve=None)
    items = story.plan(release, 77, [("Statements export", ["csv"], 5),
                                     ("Pending card payments view", ["pending"], 4)])  # fmt: skip
    story.deploy_plan(release, 76, {"development": 70, "test": 65, "acceptance": 59,
                                    "production": 56})  # fmt: skip
    story.transfer(release, 70, "development", "Build 2026.4.0")
    story.transfer(release, 65, "test", "Build 2026.4.1")
    story.transfer(release, 59, "acceptance", "Customer panel test passed.", accepted=True)
    story.transfer(release, 56, "production", "Deployed in the Saturday window.")
    story.at(55.9, lambda: release_rollback(
        actor=story.ria, release_id=release.pk,
        reason="Customers on app version 7.x could not log in after the deployment."))  # fmt: skip
    story.transfer(release, 54, "production", "Deployed again with the login fix.")
    story.complete(items[0], 53, "Statements export live; CSV checked with two bookkeeping apps.")
    story.complete(items[1], 53, "Pending card payments shown in portal and app.")
    rfc_ids = [story.rfcs["csv"].pk, story.rfcs["pending"].pk]
    story.at(52, lambda: review.release_complete(
        actor=story.rob, release_id=release.pk, fulfilled_rfc_ids=rfc_ids,
        note="Both requirements fulfilled."))  # fmt: skip
    story.at(48, lambda: review.release_review(
        actor=story.rob, release_id=release.pk, held_at=story.moment(48, 11),
        attendee_ids=[story.olivia.pk, story.chris.pk],
        improvement_suggestions="Test the login with the oldest supported app version before "
                                "production.",
        decisions="The acceptance script gets an old-app login case.",
    ), hour=13)  # fmt: skip
    story.at(47, lambda: review.release_publish_review(actor=story.rob, release_id=release.pk))
    story.at(46, lambda: review.release_close(actor=story.rob, release_id=release.pk))
    return second


def _abandoned_release(story: _Story, second: Any) -> tuple[Any, Any]:
    """The second meeting (60 days ago) includes two requests; their release waits for its
    business case. The third meeting is scheduled at its close."""
    story.invite(second, 70)
    story.hand_over(68, "dark")
    story.hand_over(66, "chat")
    third = story.meeting(second, 60, VOTES["second"], 35, "Dark mode and the adviser chat "
                          "included, subject to the budget.")  # fmt: skip
    release = story.register(
        second, 59, "Online Banking 2026.5: portal comfort", release_type="minor",
        description="Dark mode for the portal and a chat with an adviser in the app.",
        planned_start=story.moment(40), planned_end=story.moment(20),
        target_date=story.moment(20), estimated_cost=62000,
    )  # fmt: skip
    story.justify(release, 58, 20000, approve=False,
                  note="Not this year: the 2027 portal redesign covers dark mode, and the chat "
                       "needs the new contact centre first.")  # fmt: skip
    return third, release


def _coordinated_release(story: _Story, third: Any) -> tuple[Any, Any]:
    """The third meeting (35 days ago): one request rejected, two included, one left in
    the backlog; Online Banking 2027.1 registered, its business case approved, its plan
    sent to Change Management, in test now."""
    story.invite(third, 45)
    story.hand_over(44, "bio")
    story.hand_over(43, "limit")
    story.hand_over(42, "sms")
    story.passed_back(41)
    story.hand_over(40, "cat")
    fourth = story.meeting(third, 35, VOTES["third"], -10, "Biometric login and the business "
                           "transfer limit included; retiring SMS codes rejected (customers "
                           "without the app still need them); spending categories undecided.")  # fmt: skip
    release = story.register(
        third, 34, "Online Banking 2027.1", release_type="major",
        description="Biometric login in the app and higher transfer limits for business.",
        planned_start=story.moment(20), planned_end=story.moment(-25),
        target_date=story.moment(-21), estimated_cost=85000,
    )  # fmt: skip
    story.justify(release, 33, 30000, approve=True, note="Budget from the digital programme.")
    items = story.plan(release, 28, [("Biometric login in the app", ["bio"], 10),
                                     ("Business transfer limits", ["limit"], 5)])  # fmt: skip
    story.deploy_plan(release, 27, {"development": 15, "test": 5, "acceptance": -7,
                                    "production": -14})  # fmt: skip
    story.transfer(release, 15, "development", "Build 2027.1.0")
    story.complete(items[1], 10, "New limits configured per business customer; the desk "
                                 "was briefed.")  # fmt: skip
    story.transfer(release, 5, "test", "Build 2027.1.2 with the biometric SDK.")
    return fourth, release


def load(context: dict[str, Any]) -> None:
    """Add the Release Management demo records when the CAB of Online Banking is missing."""
    from django.utils import timezone

    from steward.core.models import Notification
    from steward.releases.models import Cab, Release, RfcHandling
    from steward.releases.services import handling
    from steward.releases.services.justification import release_abandon

    services, people = context.get("services", {}), context.get("people", {})
    if OB not in services or "rob.release" not in people:
        return
    if Cab.objects.filter(service=services[OB]).exists():
        return
    from freezegun import freeze_time

    started = timezone.now()
    story = _Story(context)
    with freeze_time(story.moment(90), tick=True) as story.clock:
        first = _setup(story)
        second = _closed_release(story, first)
        third, abandoned = _abandoned_release(story, second)
        fourth, _ = _coordinated_release(story, third)
        story.at(28, lambda: release_abandon(
            actor=story.rob, release_id=abandoned.pk,
            reason="The business case was rejected and cannot be adjusted this year."))  # fmt: skip
    story.invite(fourth, None)
    # Payments Gateway's request from the changes demo: a new function, so the CAB's list.
    waiting = RfcHandling.objects.filter(service=services[PG], status="received").first()
    if waiting is not None:
        handling.handling_review(
            actor=story.rob, handling_id=waiting.pk, decision="cab", problem_fix=False,
            single_coordinator=True, functionality_changes=True, extra_funding=True,
            effort_hours=120, cost=14000, note="A new payment method: the CAB decides.",
        )  # fmt: skip
    # The replayed past does not flood anyone's mailbox.
    Notification.objects.filter(created_at__lt=started).update(send_email=False, email_due_at=None)
    context["counts"]["releases"] = Release.objects.filter(is_backlog=False).count()
