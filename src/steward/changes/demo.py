"""Demo data of Change Management, loaded after the CMDB and incident demos: requests for
change from each source, templates and policies, changes in every state, approvals, tasks,
a blackout period and planned events, an emergency change from an escalated incident and
the demo incidents that needed changes linked to them. Safe to run again: each part adds
its records only when its kind of record is missing."""

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from steward.changes.models import Change
from steward.changes.services import emergency as emergency_svc
from steward.core.models import Notification, Person
from steward.incidents.services import incidents as incident_svc

# --- rfcs: requests for change (proc. 1) ---------------------------


_RFC_NOT_NEEDED = {"causes_outage_in_service_hours": False, "functionality_changes": False,
              "cmdb_update": False}  # fmt: skip
_RFC_NEEDS = {"causes_outage_in_service_hours": True, "functionality_changes": False,
         "cmdb_update": True}  # fmt: skip
_RFC_FIX = {"problem_fix": True, "single_coordinator": True, "extra_funding": False}
# (reviewer, title, service, source, origin, answers, decision, choices); decision None:
# left to review. Choices name templates, policies or "the change" registered before.
_DEMO_RFCS = [
    ("chris.change", "Upgrade the Online Banking database to PostgreSQL 17",
     "Online Banking", "release", "REL-2026-04", _RFC_NEEDS, "register",
     {"template": "Upgrade a database"}),
    ("chris.change", "Fix the connection pool leak in Online Banking", "Online Banking",
     "known_error", "KE000101", {**_RFC_NEEDS, **_RFC_FIX}, "link", {"change": True}),
    ("cleo.change", "Raise the sales mailboxes to 10 GB", "Email & Collaboration",
     "known_error", "KE000102", {"standard": "Add a mailbox quota"}, "standard", {}),
    ("chris.change", "Reindex the payments database on 31 January", "Payments Gateway",
     "known_error", "KE000103", _RFC_NEEDS, "reject_policy",
     {"policy": "No changes to production on the last business day of the month"}),
    ("cleo.change", "Reword the e-mail signature guideline", "Email & Collaboration",
     "release", "REL-2026-05", _RFC_NOT_NEEDED, "reject_not_needed", {}),
    ("chris.change", "New payment method: instant transfers", "Payments Gateway",
     "known_error", "KE000104", {**_RFC_NEEDS, "functionality_changes": True, "problem_fix": False},
     "to_release", {}),
    ("cleo.change", "Return Electronic Health Records to production", "Electronic Health Records",
     "continuity", "DR-2026-02", _RFC_NEEDS, None, {}),
    ("chris.change", "Patch the Fleet Tracking servers", "Fleet Tracking", "known_error",
     "KE000105", {"standard": "Patch a Linux server"}, None, {}),
]  # fmt: skip


def _rfc_choices(choices: dict[str, Any], registered: Any) -> dict[str, Any]:
    from steward.changes.models import ChangePolicy, ChangeTemplate

    found: dict[str, Any] = {}
    if "template" in choices:
        found["template_id"] = ChangeTemplate.objects.get(name=choices["template"]).pk
    if "policy" in choices:
        found["policy_id"] = ChangePolicy.objects.get(name=choices["policy"]).pk
    if choices.get("change") and registered is not None:
        found["change_id"] = registered.pk
    return found


def _rfcs(context: dict[str, Any]) -> None:
    """The requests for change (proc. 1) of the demo: from known errors, release documents
    and a return-to-production request (those from incident requests and the request form
    come with the incident demo), in every state of the review."""
    from steward.changes.choices import RfcSource
    from steward.changes.models import ChangeTemplate, RequestForChange
    from steward.changes.services import rfcs

    _templates(context)  # the review names them (idempotent)
    if RequestForChange.objects.filter(source=RfcSource.KNOWN_ERROR).exists():
        return
    people, services = context["people"], context["services"]
    submitter = people.get("pat.problem") or people["max.manager"]
    registered = None
    for reviewer, title, service, source, origin, answers, decision, choices in _DEMO_RFCS:
        answers = dict(answers)
        standard = answers.pop("standard", None)
        if standard:
            answers["standard_template_id"] = ChangeTemplate.objects.get(name=standard).pk
        rfc = rfcs.rfc_submit(
            actor=submitter, title=title, service_id=services[service].pk, source=source,
            origin_reference=origin, **answers,
        )  # fmt: skip
        if decision is None:
            continue
        done = rfcs.rfc_review(
            actor=people[reviewer], rfc_id=rfc.pk, decision=decision,
            note="Reviewed in the weekly change meeting.",
            **_rfc_choices(choices, registered),
        )  # fmt: skip
        registered = registered or done.change
    context["counts"]["requests for change"] = RequestForChange.objects.count()


# --- templates: templates and policies -----------------------------


_DEMO_POLICIES = [
    ("No changes to production on the last business day of the month",
     "Production systems are frozen on the last business day of each month for the "
     "month-end close: plan the change before or after it."),
    ("Database schema changes need a DBA",
     "A change to a database schema is planned and implemented with a database "
     "administrator of Database Administration."),
]  # fmt: skip
# (name, type, category, plan, backout plan, risk, minutes, [(task, kind, group)])
_DEMO_CHANGE_TEMPLATES = [
    ("Patch a Linux server", "standard", "infrastructure",
     "Apply the vendor's security patches and reboot in the maintenance window.",
     "Restore the snapshot taken before patching.", "low", 60,
     [("Take a snapshot of the server", "preparation", "Server & Storage"),
      ("Install the patches and reboot", "implementation", "Server & Storage")]),
    ("Add a mailbox quota", "standard", "infrastructure",
     "Raise the mailbox quota of the named mailboxes.", "Set the previous quota back.", "low",
     15, [("Raise the quota", "implementation", "Server & Storage")]),
    ("Upgrade a database", "normal", "infrastructure",
     "Upgrade the database server to the new major version with a tested dump and restore.",
     "Switch back to the old server, which stays read-only for a week.", "high", 240,
     [("Test the upgrade on a copy", "preparation", "Database Administration"),
      ("Order the extra storage", "preparation", "Server & Storage"),
      ("Upgrade the production database", "implementation", "Database Administration")]),
]  # fmt: skip
# Stand-alone task (group) templates, added to any change.
_DEMO_TASK_TEMPLATES = [
    ("Update the CMDB", "cmdb_update", "Server & Storage"),
    ("Tell the service desk what changes for users", "additional", "Service Desk"),
]


def _templates(context: dict[str, Any]) -> None:
    """The templates and policies of the demo: two policies, the standard changes "Patch a
    Linux server" and "Add a mailbox quota", the normal "Upgrade a database", each with
    its task templates, and stand-alone task templates."""
    from steward.changes.models import ChangeTemplate
    from steward.changes.services import templates

    if ChangeTemplate.objects.exists():
        return
    actor, groups = context["people"]["max.manager"], context["groups"]
    for name, statement in _DEMO_POLICIES:
        templates.change_policy_create(actor=actor, name=name, statement=statement)
    for name, kind, category, plan, backout, risk, minutes, tasks in _DEMO_CHANGE_TEMPLATES:
        template = templates.change_template_create(
            actor=actor, name=name, change_type=kind, category=category, plan=plan,
            backout_plan=backout, risk_level=risk, duration_minutes=minutes,
        )  # fmt: skip
        for task, task_kind, group in tasks:
            templates.task_template_create(
                actor=actor, name=task, kind=task_kind, change_template=template,
                support_group=groups.get(group),
            )  # fmt: skip
    for task, task_kind, group in _DEMO_TASK_TEMPLATES:
        templates.task_template_create(
            actor=actor, name=task, kind=task_kind, support_group=groups.get(group)
        )
    context["counts"]["change templates"] = ChangeTemplate.objects.count()


# --- changes: changes: registration, analysis, planning (proc. 2) ---


# (title, coordinator, service, category, CI names, the state it is taken to, analysis,
# window: (days ahead to the next such weekday, start hour, hours), plan)
_PLAN = "1. Announce the window.\n2. Snapshot the systems.\n3. Apply the change.\n4. Smoke test."
_BACKOUT = "Restore the snapshot taken in step 2 and restart the services."
_ANSWERS = {"causes_outage": False, "infrastructure_changes": False,
            "functionality_changes": False, "cmdb_update": True, "tested": True,
            "backout_tested": True, "users_affected": "some"}  # fmt: skip
DEMO_CHANGES = [
    ("Upgrade the Banking API to release 5.0", "chris.change", "Online Banking", "application",
     ["Online Banking Banking API"], "registered", None, None),
    ("Replace the mail transport servers", "cleo.change", "Email & Collaboration",
     "infrastructure", ["Email & Collaboration Mail transport"], "risk_analysis",
     {"causes_outage": True, "infrastructure_changes": True, "users_affected": "many"}, None),
    ("Add a fraud scoring rule for card-not-present payments", "chris.change",
     "Payments Gateway", "application", ["Payments Gateway Fraud scoring"], "risk_analysis",
     None, None),
    ("Move the Online Banking database to the new storage array", "chris.change",
     "Online Banking", "infrastructure", ["ob-db"], "planning",
     {"causes_outage": True, "infrastructure_changes": False}, (5, 6, 2)),
    ("Renew the EHR portal's TLS certificate", "cleo.change", "Electronic Health Records",
     "infrastructure", ["Electronic Health Records EHR portal"], "planning",
     {"causes_outage": True, "infrastructure_changes": False, "users_affected": "all"},
     (1, 10, 1)),
]  # fmt: skip


def _window(days_to: int, hour: int, hours: int) -> tuple[datetime, datetime]:
    """The next day ``days_to`` weekday (0 = Monday) at ``hour``, for ``hours``."""
    today = timezone.localdate()
    ahead = (days_to - today.weekday()) % 7 or 7
    start = timezone.make_aware(datetime.combine(today + timedelta(days=ahead), time(hour)))
    return start, start + timedelta(hours=hours)


def _plan_and_submit(
    change: Any, actor: Any, start: datetime, end: datetime, **answers: Any
) -> Any:
    """Proc. 2 through its services: analysis (the questionnaire), the window and the
    plans, then the plan submitted (a normal change goes to approval)."""
    from steward.changes.services import changes as change_svc
    from steward.changes.services import planning

    planning.change_start_analysis(actor=actor, change_id=change.pk)
    change_svc.change_update(actor=actor, change_id=change.pk, data={
        "planned_start": start, "planned_end": end, "plan": _PLAN, "backout_plan": _BACKOUT,
    })  # fmt: skip
    planning.change_analyse(actor=actor, change_id=change.pk, **{**_ANSWERS, **answers})
    planning.change_finish_analysis(actor=actor, change_id=change.pk)
    return planning.change_submit_plan(actor=actor, change_id=change.pk)


def _approve_all(change: Any) -> None:
    """Proc. 3's end: every approver of the current round approves."""
    from steward.changes.models import ChangeApproval
    from steward.changes.services.approvals import change_approve

    for row in ChangeApproval.objects.filter(change=change, decision="pending").select_related(
        "approver"
    ):
        change_approve(actor=row.approver, change_id=change.pk, note="Fine by us.")


def _changes(context: dict[str, Any]) -> None:
    """The changes: registration, analysis, planning (proc. 2) of the demo: a few changes
    registered, in risk and impact analysis and in planning, on the demo services' CIs."""
    from steward.changes.models import Change
    from steward.changes.services import changes as change_svc
    from steward.changes.services import planning
    from steward.configuration.models import ConfigurationItem

    people, services = context["people"], context["services"]
    titles = [row[0] for row in DEMO_CHANGES]
    if Change.objects.filter(title__in=titles).exists():
        return
    for title, who, service, category, ci_names, state, answers, window in DEMO_CHANGES:
        actor = people[who]
        cis = list(ConfigurationItem.objects.filter(name__in=ci_names).values_list("pk", flat=True))
        change = change_svc.change_register(
            actor=actor, title=title, service_id=services[service].pk, category=category,
            description=f"{title}.", ci_ids=cis,
        )  # fmt: skip
        if state == "registered":
            continue
        planning.change_start_analysis(actor=actor, change_id=change.pk)
        if answers is not None:
            planning.change_analyse(actor=actor, change_id=change.pk, **{**_ANSWERS, **answers})
        if state == "planning":
            start, end = _window(*window)
            data = {"planned_start": start, "planned_end": end, "plan": _PLAN,
                    "backout_plan": _BACKOUT}  # fmt: skip
            change_svc.change_update(actor=actor, change_id=change.pk, data=data)
            planning.change_finish_analysis(actor=actor, change_id=change.pk)
    context["counts"]["changes"] = Change.objects.count()


# --- approvals: approval (proc. 3) ---------------------------------


_APPROVAL_DEMO = [
    # (service, title, conditions, days ahead, hour): the first needs the service owner's
    # approval (olivia.owner), the second Northwind Bank's representative's (nora.northwind).
    ("Payments Gateway", "Renew the TLS certificates of the payment API",
     {"unavailable_in_service_hours": False, "functionality_changes": False}, 12, 2),
    ("Online Banking", "Add a spending overview to the mobile banking app",
     {"unavailable_in_service_hours": False, "functionality_changes": True}, 19, 22),
]  # fmt: skip


def _approvals(context: dict[str, Any]) -> None:
    """The approval (proc. 3) of the demo: two changes the change manager (max.manager)
    has put up for approval, one waiting for the service owner, one for the customer
    representative. Added only when no change has an approval yet."""
    from datetime import timedelta

    from django.utils import timezone

    from steward.changes.models import ChangeApproval
    from steward.changes.services.approvals import change_manager_review
    from steward.changes.services.changes import change_register

    people, services = context["people"], context["services"]
    if ChangeApproval.objects.exists() or "max.manager" not in people:
        return
    coordinator, manager = people["chris.change"], people["max.manager"]
    start_of_day = timezone.now().replace(minute=0, second=0, microsecond=0)
    for service_name, title, conditions, days, hour in _APPROVAL_DEMO:
        change = change_register(
            actor=coordinator, title=title, service_id=services[service_name].pk
        )
        start = start_of_day.replace(hour=hour) + timedelta(days=days)
        _plan_and_submit(
            change, coordinator, start, start + timedelta(hours=2),
            functionality_changes=conditions["functionality_changes"],
            causes_outage=conditions["unavailable_in_service_hours"],
        )  # fmt: skip
        change_manager_review(
            actor=manager, change_id=change.pk, review="collect", note="Plan and window fine."
        )
    _ended_early(coordinator, manager, services["Online Banking"], start_of_day)
    counts = context.setdefault("counts", {})
    counts["change approvals"] = ChangeApproval.objects.count()


def _ended_early(coordinator: Any, manager: Any, service: Any, day: datetime) -> None:
    """Two changes that ended before implementation: one the change manager rejected for
    conflicting with a policy (proc. 3), one its coordinator cancelled."""
    from steward.changes.models import ChangePolicy
    from steward.changes.services import changes as change_svc
    from steward.changes.services.approvals import change_manager_review

    policy = ChangePolicy.objects.filter(is_active=True).order_by("pk").first()
    month_end = change_svc.change_register(
        actor=coordinator, title="Reindex the Online Banking database at month end",
        service_id=service.pk,
    )  # fmt: skip
    start = day + timedelta(days=25)
    _plan_and_submit(month_end, coordinator, start, start + timedelta(hours=3))
    if policy is not None:
        change_manager_review(actor=manager, change_id=month_end.pk, review="policy_conflict",
                              note="Month-end closing runs then.", policy_id=policy.pk)  # fmt: skip
    dropped = change_svc.change_register(
        actor=coordinator, title="Add a second login banner to Online Banking",
        service_id=service.pk,
    )  # fmt: skip
    change_svc.change_cancel(actor=coordinator, change_id=dropped.pk,
                             reason="Marketing withdrew the request.")  # fmt: skip


# --- tasks: tasks and implementation (proc. 4, 5) ------------------


TASK_DEMO = "Replace the storage array of Online Banking"


def _walk_to_implementation(change: Any, actor: Any, manager: Any) -> None:
    """Through the procedures' services: analysis and planning (proc. 2), the change
    manager's review and every approver's approval (proc. 3); approval starts the
    implementation (proc. 4, 5: its first tasks open)."""
    from steward.changes.services.approvals import change_manager_review

    change.refresh_from_db()
    _plan_and_submit(change, actor, change.planned_start, change.planned_end)
    change_manager_review(actor=manager, change_id=change.pk, review="collect",
                          note="Risk covered; no conflict in the window.")  # fmt: skip
    _approve_all(change)


def _implemented(context: dict[str, Any], spec: tuple, *, until: str = "") -> Any:
    """A change of ``spec`` (coordinator, service, title, category, group, worker) in
    implementation, its tasks completed up to the first of kind ``until`` ("": all)."""
    import datetime as dt

    from django.utils import timezone

    from steward.changes.services import changes, tasks

    people, groups, services = context["people"], context["groups"], context["services"]
    coordinator, service, title, category, group, worker = spec
    actor = people[coordinator]
    change = changes.change_register(
        actor=actor, title=title, category=category, service_id=services[service].pk
    )
    start = timezone.now() + dt.timedelta(days=2)
    type(change).objects.filter(pk=change.pk).update(
        planned_start=start, planned_end=start + dt.timedelta(hours=4)
    )
    first = "preparation" if category == "infrastructure" else "develop"
    tasks.task_add(actor=actor, change_id=change.pk, title=f"{title}: {first}", kind=first,
                   support_group_id=groups[group].pk)  # fmt: skip
    _walk_to_implementation(change, actor, people["max.manager"])
    release = people["ria.release"]
    while True:
        task = change.tasks.filter(status="open").exclude(kind="production_test").first()
        if task is None or task.kind == until:
            return change
        by = release if task.kind.startswith("transfer") else people[worker]
        by = actor if task.kind == "customer_test" else by
        tasks.task_complete(actor=by, task_id=task.pk, result="Done as planned.")


def _tasks(context: dict[str, Any]) -> None:
    """The tasks and implementation (proc. 4, 5) of the demo: an infrastructure change
    half done, an application change waiting for customer testing."""
    from steward.changes.models import Change, ChangeTask

    if Change.objects.filter(title=TASK_DEMO).exists():
        return
    _implemented(context, ("chris.change", "Online Banking", TASK_DEMO, "infrastructure",
                           "Server & Storage", "sam.spec"), until="implementation")  # fmt: skip
    _implemented(context, ("chris.change", "Online Banking", "Add two-factor login to Online "
                           "Banking", "application", "Application Support", "kim.spec"),
                 until="customer_test")  # fmt: skip
    context["counts"]["change tasks"] = ChangeTask.objects.count()


# --- closure: closure (proc. 6) ------------------------------------


CLOSURE_DEMO = [
    # (weeks ago, title, outcome) on Payments Gateway, by the server team
    (5, "Add a second payments database node", "closed"),
    (4, "Patch the payments web servers", "closed"),
    (3, "Rotate the payments TLS certificates", "closed"),
    (2, "Move payments logging to the new cluster", "backed_out"),
    (1, "Raise the payments connection limits", "closed"),
]


def _closure(context: dict[str, Any]) -> None:
    """The closure (proc. 6) of the demo: a change in its production test, closed
    successful ones some weeks back (for the KPIs) and one backed out."""
    import datetime as dt

    from django.utils import timezone
    from freezegun import freeze_time

    from steward.changes.models import Change
    from steward.changes.services import closure, tasks

    if Change.objects.filter(title=CLOSURE_DEMO[0][1]).exists():
        return
    people = context["people"]
    chris, sam = people["chris.change"], people["sam.spec"]
    spec = ("chris.change", "Payments Gateway", "Upgrade the TLS library of the payments "
            "gateway", "infrastructure", "Server & Storage", "sam.spec")  # fmt: skip
    _implemented(context, spec)
    now = timezone.now()
    for weeks, title, outcome in CLOSURE_DEMO:
        with freeze_time(now - dt.timedelta(weeks=weeks), tick=True):
            change = _implemented(context, (*spec[:2], title, *spec[3:]))
            met = outcome == "closed"
            closure.change_production_test(actor=sam, change_id=change.pk, requirements_met=met,
                                           note="Verified with a test payment.")  # fmt: skip
            if not met:
                continue
            for task in change.tasks.filter(status="open"):
                tasks.task_complete(actor=chris, task_id=task.pk, result="Updated.")
            closure.change_close(actor=chris, change_id=change.pk, note="All requirements met.")


# --- emergency: emergency changes (proc. 7, 8) ---------------------


def _emergency(context: dict[str, Any]) -> None:
    """The emergency changes (proc. 7, 8) of the demo, each from an escalated incident
    through the services: one implemented, registered and closed; one (an application
    change the on-duty manager asked for, transferred by the release administrator)
    implemented and waiting for the change coordinator to register it."""
    people, services, groups = context["people"], context["services"], context["groups"]
    if Change.objects.filter(change_type="emergency").exists():
        return
    mail = services.get("Email & Collaboration")
    if mail is None or not all(p in people for p in _EMERGENCY_CAST):
        return
    first_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    relay = _escalated_incident(
        people, mail, groups["Server & Storage"], "sam.spec",
        "Mail to external partners bounces", "Since this morning every mail to partner "
        "domains comes back with 'relay access denied'.",
    )  # fmt: skip
    closed = _asked(people, relay, "sam.owner", "sam.spec", "infrastructure",
                    "Correct the relay rules on the mail gateway now; register it afterwards.")  # fmt: skip
    emergency_svc.emergency_change_test(
        actor=people["sam.spec"], change_id=closed.pk, successful=True,
        note="Relay rules corrected on the gateway; mail to partner domains is delivered.",
    )  # fmt: skip
    emergency_svc.emergency_change_register(
        actor=people["cleo.change"], change_id=closed.pk, cmdb_updated=True,
        capacity_updated=False, note="Gateway CI configuration updated in the CMDB.",
    )  # fmt: skip
    calendar = _escalated_incident(
        people, mail, groups["Application Support"], "kim.spec",
        "Shared calendars do not open after the update", "Every shared calendar shows "
        "'access denied' since last night's client update.",
    )  # fmt: skip
    waiting = _asked(people, calendar, "otto.duty", "kim.spec", "application",
                     "Samira is unreachable: build the fix tonight and take it into production.")  # fmt: skip
    for environment in ("test", "production"):
        emergency_svc.emergency_change_transfer(
            actor=people["kim.spec"], change_id=waiting.pk, environment=environment,
            note="Calendar permissions fix, release 4.2.1.",
        )  # fmt: skip
    emergency_svc.emergency_change_test(
        actor=people["kim.spec"], change_id=waiting.pk, successful=True,
        note="Release 4.2.1 in production: shared calendars open again.",
    )  # fmt: skip
    # Demo data is history: nobody is emailed about it.
    Notification.objects.filter(pk__gt=first_notification or 0).update(send_email=False)


_EMERGENCY_CAST = ("dana.desk", "sam.spec", "kim.spec", "sam.owner", "otto.duty", "cleo.change")


def _escalated_incident(
    people: dict[str, Any], service: Any, group: Any, specialist: str, title: str, text: str
) -> Any:
    """A request the specialist escalated to the service owner: its fix needs a change."""
    requester = (
        Person.objects.filter(role_assignments__role="requester", is_active=True)
        .order_by("pk")
        .first()
    )
    incident = incident_svc.incident_register(
        actor=people["dana.desk"], requester=requester, title=title, description=text,
        service=service, support_group=group, impact="2", urgency="1",
    )  # fmt: skip
    incident_svc.incident_take(actor=people[specialist], incident_id=incident.pk)
    return incident_svc.incident_assess_change(
        actor=people[specialist], incident_id=incident.pk, causes_service_unavailability=False,
        changes_service_functionality=True, requires_cmdb_update=True,
    )  # fmt: skip


def _asked(
    people: dict[str, Any], incident: Any, owner: str, specialist: str, category: str, note: str
) -> Any:
    """Proc. 5: the service owner (or on-duty manager) asks the specialist."""
    incident_svc.incident_handle_escalation(
        actor=people[owner], incident_id=incident.pk, decision="emergency_change",
        specialist=people[specialist], category=category, note=note,
    )  # fmt: skip
    return Change.objects.get(incidents=incident)


# --- calendar: planned events and the calendar ---------------------


CALENDAR_CHANGES = [
    # title, service, CI name, day from next Monday, start hour, hours
    ("Upgrade the Online Banking database", "Online Banking", "ob-db-vm01", 1, 20, 3),
    ("Patch the Online Banking database VM", "Online Banking", "ob-db-vm01", 1, 22, 2),
    ("Renew the Payments Gateway certificates", "Payments Gateway", "", 3, 19, 1),
    ("Move Fleet Tracking to the new message queue", "Fleet Tracking", "", 8, 21, 4),
    ("Raise the mailbox quota", "Email & Collaboration", "", 2, 18, 2),
    ("Install the EHR security patch", "Electronic Health Records", "", 2, 19, 3),
    ("Replace the branch office printers", "Workplace Support", "", 4, 8, 8),
    ("Enable multi-factor sign-in for Online Banking", "Online Banking", "", 9, 6, 2),
    ("Upgrade the Payments Gateway load balancer", "Payments Gateway", "", 12, 5, 3),
    ("Migrate shared mailboxes", "Email & Collaboration", "", 15, 20, 5),
]
COORDINATORS = {"Email & Collaboration": "cleo.change", "Electronic Health Records": "cleo.change",
                "Workplace Support": "cleo.change"}  # fmt: skip


def _calendar(context: dict[str, Any]) -> None:
    """The planned events and the calendar of the demo: the quarter-end change freeze
    (a blackout period), weekly maintenance windows of the network team, and changes on
    the calendar, two of them on the same database VM at overlapping times (a conflict
    the change manager sees on the calendar and on both change pages)."""
    from datetime import date, datetime, time, timedelta

    from django.utils import timezone

    from steward.changes.models import Change, PlannedEvent
    from steward.changes.services.calendar import planned_event_create
    from steward.changes.services.changes import change_register
    from steward.configuration.models import ConfigurationItem

    if PlannedEvent.objects.filter(title="Quarter-end change freeze").exists():
        return
    people, services = context["people"], context["services"]
    manager = people["max.manager"]
    today = timezone.localdate()
    following = (today.month - 1) // 3 * 3 + 4  # the next quarter's first month (4..13)
    quarter_end = date(today.year + following // 13, (following - 1) % 12 + 1, 1)
    freeze_end = timezone.make_aware(datetime.combine(quarter_end, time.min))
    planned_event_create(
        actor=manager,
        title="Quarter-end change freeze",
        kind="blackout",
        starts_at=freeze_end - timedelta(days=5),
        ends_at=freeze_end,
        description="No changes while the quarter's books close.",
    )
    monday = today + timedelta(days=7 - today.weekday())
    for week in range(6):
        saturday = timezone.make_aware(
            datetime.combine(monday + timedelta(days=7 * week + 5), time(22))
        )
        planned_event_create(
            actor=manager,
            title="Datacentre network maintenance",
            kind="maintenance",
            starts_at=saturday,
            ends_at=saturday + timedelta(hours=4),
            service_ids=[services["Online Banking"].pk, services["Payments Gateway"].pk],
        )
    for title, service_name, ci_name, day, hour, hours in CALENDAR_CHANGES:
        ci = ConfigurationItem.objects.filter(name=ci_name).first() if ci_name else None
        change = change_register(
            actor=people[COORDINATORS.get(service_name, "chris.change")],
            title=title,
            service_id=services[service_name].pk,
            ci_ids=[ci.pk] if ci else [],
        )
        start = timezone.make_aware(datetime.combine(monday + timedelta(days=day), time(hour)))
        # The implementation window as planning sets it (proc. 2; the changes topic's
        # planning service, once merged, is the way to set it).
        Change.objects.filter(pk=change.pk).update(
            planned_start=start, planned_end=start + timedelta(hours=hours)
        )


# --- kpis: KPIs ----------------------------------------------------


def _kpis(context: dict[str, Any]) -> None:
    """The KPIs of the demo: a couple of the implemented demo changes caused an incident
    request on their service (one registered after the change was made), recorded by a
    change manager, so "changes that caused incidents" is not empty. Runs after the other
    parts; without implemented demo changes (or once recorded) it adds nothing."""
    from steward.changes.models import Change
    from steward.changes.services.kpis import IMPLEMENTED, change_link_caused_incident
    from steward.core import roles
    from steward.core.choices import Role
    from steward.incidents.models import IncidentRequest

    if Change.caused_incidents.through.objects.exists():
        return
    managers = roles.holders(Role.CHANGE_MANAGER)
    if not managers:
        return
    # A backed-out change first: the likeliest to have caused something.
    implemented = sorted(
        Change.objects.filter(status__in=IMPLEMENTED),
        key=lambda c: (list(reversed(IMPLEMENTED)).index(c.status), c.pk),
    )
    linked = 0
    for change in implemented:
        since = change.actual_start or change.created_at
        incident = (
            IncidentRequest.objects.filter(service_id=change.service_id, created_at__gte=since)
            .exclude(pk__in=change.incidents.values("pk"))  # those it was made to resolve
            .order_by("created_at", "pk")
            .first()
        )
        if incident is None:
            continue
        change_link_caused_incident(
            actor=managers[0],
            change_id=change.pk,
            incident_id=incident.pk,
            note="Registered within hours of the implementation, on the service it changed.",
        )
        linked += 1
        if linked == 2:
            break
    context.setdefault("counts", {})["changes that caused incidents"] = linked


def load(context: dict[str, Any]) -> None:
    """Add the Change Management demo records that are missing."""
    from django.utils import timezone

    from steward.core.models import Notification

    started = timezone.now()
    _rfcs(context)
    _templates(context)
    _changes(context)
    _approvals(context)
    _tasks(context)
    _closure(context)
    _emergency(context)
    _calendar(context)
    _kpis(context)
    # The replayed past (changes closed weeks ago) does not flood anyone's mailbox.
    Notification.objects.filter(created_at__lt=started).update(send_email=False, email_due_at=None)
