"""Demo data of Problem Management: problems in every state linked to demo incidents,
known errors with their requests for change and changes, and clusters of similar incidents
worth investigating. Everything goes through the services (each story at its own moment in
the past, so the journal and the KPIs tell a believable quarter); the whole part is skipped
when its problems exist already."""

import datetime as dt
from collections.abc import Callable
from typing import Any

# One story per problem: (key, service, the demo incident title it explains, coordinator,
# specialist, group, days ago it was registered, how far it goes, its texts).
WORKAROUND = {
    "vpn": ("Switch the VPN client to TCP on port 443.",
            "VPN client > Settings > Protocol: TCP 443; reconnect."),
    "ob-slow": ("Route the heaviest reports to the second web node.",
                "On the load balancer, pin /reports to web-02 until the fix."),
    "ehr": ("Clear the portal cookie and sign in again.",
            "Browser settings > Cookies: remove ehr-portal, then reload."),
    "mail": ("Ask the user to empty Deleted Items.", "Outlook > Deleted Items > Empty folder."),
    "wifi": ("Use the wired dock in the meeting room.", "Plug the laptop into the dock's cable."),
}  # fmt: skip
ROOT_CAUSE = {
    "vpn": "The VPN concentrator drops UDP sessions after 300 s of NAT idle time on home routers.",
    "ob-slow": "The report queries run a full scan of the transactions table at peak hours.",
    "batch": "Two batch jobs update the same accounts in a different order (lock ordering).",
    "ehr": "The portal's session cookie outlives the identity provider's session.",
    "printer": "The print server's spooler service leaks memory and stops after ~5 days.",
    "wifi": "The meeting rooms' access points are the landlord's and run firmware from 2017.",
}
OPTIONS = {
    "vpn": [("Raise the concentrator's UDP idle timeout to 3600 s.", True),
            ("Move home workers to the TCP profile for good.", False)],
    "ob-slow": [("Add an index on (account, booked_at) and rewrite the report query.", True),
                ("Move reporting to a read replica.", False)],
    "batch": [("Make both jobs lock accounts in id order.", True)],
    "ehr": [("Shorten the portal cookie to the IdP session length.", True)],
    "printer": [("Schedule a weekly spooler restart and apply the vendor patch.", True)],
    "mail": [("Raise the quota of heavy users to 10 GB.", True),
             ("Archive mail older than two years automatically.", False)],
}  # fmt: skip


def _incidents(service: Any, title: str, *, limit: int, before: dt.datetime) -> list[int]:
    """The latest ``limit`` incidents of ``title`` registered before the problem was."""
    from steward.incidents.models import IncidentRequest

    qs = IncidentRequest.objects.filter(
        service=service, title=title, problem_link__isnull=True, created_at__lt=before
    )
    return list(qs.order_by("-created_at").values_list("pk", flat=True)[:limit])


class _Story:
    """One problem's life, each step at its own moment (freezegun moves the clock)."""

    def __init__(self, context: dict[str, Any], key: str, service: str) -> None:
        self.context, self.key = context, key
        self.people, self.services = context["people"], context["services"]
        self.groups = context["groups"]
        self.service = self.services[service]
        self.coordinator = self.people["pat.problem"]
        self.problem: Any = None

    def at(self, days_ago: float, step: Callable[[], Any]) -> Any:
        from django.utils import timezone
        from freezegun import freeze_time

        with freeze_time(timezone.now() - dt.timedelta(days=days_ago), tick=True):
            return step()

    def register(self, days_ago: float, title: str, incident_title: str, *, limit: int = 6,
                 source: str = "incident_review", description: str = "") -> "_Story":  # fmt: skip
        from django.utils import timezone

        from steward.incidents.models import IncidentRequest
        from steward.problems.services.problems import problem_register

        moment = timezone.now() - dt.timedelta(days=days_ago)
        ids = _incidents(self.service, incident_title, limit=limit, before=moment)
        first = IncidentRequest.objects.filter(pk__in=ids).first()
        self.problem = self.at(days_ago, lambda: problem_register(
            actor=self.coordinator, title=title, service_id=self.service.pk, source=source,
            description=description or f"Recurring: “{incident_title}”.", incident_ids=ids,
            category_id=first.category_id if first else None,
            ci_ids=list(first.cis.values_list("pk", flat=True)) if first else [],
        ))  # fmt: skip
        return self

    def assign(self, days_ago: float, specialist: str, group: str) -> "_Story":
        from steward.problems.services.problems import problem_assign

        self.at(days_ago, lambda: problem_assign(
            actor=self.coordinator, problem_id=self.problem.pk,
            specialist_id=self.people[specialist].pk, support_group_id=self.groups[group].pk,
            note="You know this part of the service best.",
        ))  # fmt: skip
        self.specialist = self.people[specialist]
        return self

    def analyse(self, days_ago: float, *, complete: bool = True, needs_change: bool = True,
                no_solution: str = "") -> "_Story":  # fmt: skip
        from steward.problems.services import analysis as svc

        me, pk = self.specialist, self.problem.pk

        def steps() -> None:
            svc.problem_start_analysis(actor=me, problem_id=pk)
            if self.key in WORKAROUND:
                what, how = WORKAROUND[self.key]
                svc.problem_record_workaround(actor=me, problem_id=pk, workaround=what,
                                              workaround_steps=how)  # fmt: skip
            if self.key in ROOT_CAUSE:
                svc.problem_record_root_cause(actor=me, problem_id=pk,
                                              root_cause=ROOT_CAUSE[self.key])  # fmt: skip
            for text, best in OPTIONS.get(self.key, []):
                svc.problem_add_option(actor=me, problem_id=pk, description=text,
                                       recommended=best)  # fmt: skip
            if complete:
                svc.problem_complete_analysis(
                    actor=me, problem_id=pk, change_management_required=needs_change,
                    no_solution_reason=no_solution,
                    no_workaround_reason="" if self.key in WORKAROUND else "None found yet.",
                )  # fmt: skip

        self.at(days_ago, steps)
        return self

    def review(self, days_ago: float, **answers: Any) -> "_Story":
        from steward.problems.services.known_errors import problem_review

        self.at(days_ago, lambda: problem_review(
            actor=self.coordinator, problem_id=self.problem.pk, **answers))  # fmt: skip
        self.problem.refresh_from_db()
        return self


# --- problems: the stories ----------------------------------------------------------
_CHANGE = {"unavailable_in_service_hours": True, "functionality_changes": False,
           "cmdb_update": True}  # fmt: skip
_NO_CHANGE = {"unavailable_in_service_hours": False, "functionality_changes": False,
              "cmdb_update": False}  # fmt: skip


def _open_stories(context: dict[str, Any]) -> None:
    """Registered, assigned, in root cause analysis, waiting for review, being fixed, and a
    known error whose request for change waits for the change coordinator."""
    _Story(context, "pay", "Payments Gateway").register(
        2,
        "Card payments fail with 503 at the top of the hour",
        "Payments rejected with error 503",
        source="capacity",
    )
    _Story(context, "fleet", "Fleet Tracking").register(
        9,
        "Trucks lose their position after the nightly telemetry restart",
        "Vehicles not visible on the map",
    ).assign(8, "kim.spec", "Application Support")
    _Story(context, "mail", "Email & Collaboration").register(
        20,
        "Mailboxes fill up and mail bounces for heavy users",
        "Mailbox full, mail bounces",
    ).assign(19, "sam.spec", "Server & Storage").analyse(15, complete=False)
    _Story(context, "ehr", "Electronic Health Records").register(
        25, "EHR portal sends nurses back to the login page", "EHR portal: login loop"
    ).assign(24, "kim.spec", "Application Support").analyse(18)
    _Story(context, "printer", "Workplace Support").register(
        40,
        "The floor 2 print queue stalls every few days",
        "Printer on floor 2 not printing",
    ).assign(39, "sam.spec", "Server & Storage").analyse(33).review(
        32, analysis_acceptable=True, specialist_id=context["people"]["sam.spec"].pk, **_NO_CHANGE
    )
    _Story(context, "vpn", "Workplace Support").register(
        45, "VPN sessions of home workers drop every five minutes", "VPN keeps disconnecting",
        limit=8).assign(44, "lee.spec", "Network Operations").analyse(38).review(
        36, analysis_acceptable=True, **_CHANGE)  # fmt: skip


def _known_error_with_change(context: dict[str, Any]) -> None:
    """A known error whose request for change the change coordinator added to a change in
    implementation (Change Management's demo helper makes the change)."""
    from steward.changes import demo as change_demo
    from steward.changes.services import rfcs

    story = _Story(context, "ob-slow", "Online Banking").register(
        60, "Online Banking slows down at peak hours", "Online Banking very slow", limit=5,
    ).assign(59, "kim.spec", "Application Support").analyse(52).review(
        50, analysis_acceptable=True, **_CHANGE)  # fmt: skip
    known_error = story.problem.known_errors.first()
    change = story.at(
        49,
        lambda: change_demo._implemented(
            context,
            (
                "chris.change",
                "Online Banking",
                "Index the transactions table for the reports",
                "infrastructure",
                "Database Administration",
                "dave.dba",
            ),
            until="implementation",
        ),
    )
    chris = context["people"]["chris.change"]
    story.at(48, lambda: rfcs.rfc_review(
        actor=chris, rfc_id=known_error.rfc_id, decision="link", change_id=change.pk,
        note="Part of the index change already planned."))  # fmt: skip
    story.at(30, lambda: _close_change(change, tester=context["people"]["dave.dba"],
                                       coordinator=chris))  # fmt: skip


def _close_change(change: Any, *, tester: Any, coordinator: Any) -> None:
    """The change's production test passes and its coordinator closes it (ch. 3 proc. 6):
    the problem then waits for its coordinator to verify it (proc. 4)."""
    from steward.changes.services import closure, tasks

    for task in change.tasks.filter(status="open").exclude(kind="production_test"):
        tasks.task_complete(actor=tester, task_id=task.pk, result="Index built, query rewritten.")
    closure.change_production_test(actor=tester, change_id=change.pk, requirements_met=True,
                                   note="Reports run in seconds at peak.")  # fmt: skip
    for task in change.tasks.filter(status="open"):
        tasks.task_complete(actor=coordinator, task_id=task.pk, result="Updated.")
    closure.change_close(actor=coordinator, change_id=change.pk, note="Requirements met.")


def _ended_stories(context: dict[str, Any]) -> None:
    """Closed after the specialist's own fix; closed with an override although incidents
    came back; an impasse waiting for its re-check."""
    from steward.problems.services import closure

    pat = context["people"]["pat.problem"]
    batch = (
        _Story(context, "batch", "Online Banking")
        .register(
            80,
            "Nightly batch aborts on deadlocks",
            "Database deadlocks in the batch",
            limit=4,
        )
        .assign(79, "dave.dba", "Database Administration")
        .analyse(75, needs_change=False)
    )
    batch.review(74, analysis_acceptable=True)
    batch.at(
        60,
        lambda: closure.problem_close(
            actor=pat,
            problem_id=batch.problem.pk,
            note="No deadlock since the fix.",
            override_reason="The later deadlocks are the weekend job, a new problem.",
        ),
    )
    wifi = (
        _Story(context, "wifi", "Workplace Support")
        .register(
            70,
            "Wi-Fi drops in the meeting rooms",
            "Wi-Fi not working in meeting room",
            limit=5,
        )
        .assign(69, "lee.spec", "Network Operations")
        .analyse(60, no_solution="Only the landlord may replace the access points; asked, refused.")
    )
    wifi.review(58, analysis_acceptable=True)
    from django.utils import timezone

    wifi.at(57, lambda: closure.problem_record_impasse(
        actor=pat, problem_id=wifi.problem.pk,
        reason="No practical means: the access points are the landlord's.",
        recheck_on=timezone.localdate() + dt.timedelta(days=20)))  # fmt: skip


def _hint(context: dict[str, Any]) -> None:
    """A specialist's hint: a resolved calendar request likely to recur."""
    from steward.incidents.models import IncidentRequest
    from steward.incidents.services import resolution

    incident = (
        IncidentRequest.objects.filter(title="Shared calendar not updating",
                                       problem_link__isnull=True, status="resolved")
        .select_related("assignee").first()
    )  # fmt: skip
    if incident is None or incident.assignee is None:
        return
    resolution.incident_inform_problem_coordinator(
        actor=incident.assignee, incident_id=incident.pk,
        note="Third time this month: the calendar sync job looks stuck.")  # fmt: skip


def load(context: dict[str, Any]) -> None:
    """Add the Problem Management demo records that are missing."""
    from django.utils import timezone

    from steward.core.models import Notification
    from steward.problems.models import ProblemInvestigation
    from steward.problems.services.candidates import candidates_refresh

    if ProblemInvestigation.objects.exists():
        return
    started = timezone.now()
    _open_stories(context)
    _known_error_with_change(context)
    _ended_stories(context)
    _hint(context)
    # The clusters left unexplained (password resets, calendars, full disks...).
    candidates_refresh()
    # The replayed past does not flood anyone's mailbox.
    Notification.objects.filter(created_at__lt=started).update(send_email=False, email_due_at=None)
    context["counts"]["problem investigations"] = ProblemInvestigation.objects.count()
