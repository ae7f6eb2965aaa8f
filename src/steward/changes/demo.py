"""Demo data of Change Management, loaded after the CMDB and incident demos: requests for
change from each source, templates and policies, changes in every state, approvals, tasks,
a blackout period and planned events, an emergency change from an escalated incident and
the demo incidents that needed changes linked to them. Safe to run again: each part adds
its records only when its kind of record is missing."""

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

# --- rfcs: requests for change (proc. 1) ---------------------------


def _rfcs(context: dict[str, Any]) -> None:
    """The requests for change (proc. 1) of the demo."""


# --- templates: templates and policies -----------------------------


def _templates(context: dict[str, Any]) -> None:
    """The templates and policies of the demo."""


# --- changes: changes: registration, analysis, planning (proc. 2) ---


# (title, coordinator, service, category, CI names, the state it is taken to, analysis,
# window: (days ahead to the next such weekday, start hour, hours), plan)
_PLAN = "1. Announce the window.\n2. Snapshot the systems.\n3. Apply the change.\n4. Smoke test."
_BACKOUT = "Restore the snapshot taken in step 2 and restart the services."
_ANSWERS = {"functionality_changes": False, "cmdb_update": True, "tested": True,
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

    from django.db import transaction
    from django.utils import timezone

    from steward.changes import workflows
    from steward.changes.choices import ChangeStatus
    from steward.changes.models import Change, ChangeApproval
    from steward.changes.services.approvals import change_manager_review
    from steward.changes.services.changes import change_register
    from steward.core import transitions

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
        # What the coordinator's analysis and planning (proc. 2) would have recorded.
        Change.objects.filter(pk=change.pk).update(
            planned_start=start, planned_end=start + timedelta(hours=2), risk_level="low",
            plan="Deploy in the window; smoke-test; tell the service desk.",
            backout_plan="Redeploy the previous release.", **conditions,
        )  # fmt: skip
        with transaction.atomic():
            locked = transitions.lock(Change, change.pk)
            for state in (ChangeStatus.RISK_ANALYSIS, ChangeStatus.PLANNING, ChangeStatus.APPROVAL):
                transitions.transition(locked, state, actor=coordinator, workflow=workflows.CHANGE)
        change_manager_review(
            actor=manager, change_id=change.pk, review="collect", note="Plan and window fine."
        )
    counts = context.setdefault("counts", {})
    counts["change approvals"] = ChangeApproval.objects.count()


# --- tasks: tasks and implementation (proc. 4, 5) ------------------


TASK_DEMO = "Replace the storage array of Online Banking"


def _walk_to_implementation(change: Any, actor: Any) -> None:
    """Approval is the approvals topic's: here the change is moved there directly (as an
    approved change), then its implementation started (proc. 4, 5)."""
    from django.db import transaction

    from steward.changes import workflows
    from steward.changes.models import Change
    from steward.changes.services.tasks import change_start_implementation
    from steward.core import transitions

    with transaction.atomic():
        locked = transitions.lock(Change, change.pk)
        for status in ("risk_analysis", "planning", "approval", "implementation"):
            transitions.transition(locked, status, actor=actor, workflow=workflows.CHANGE)
        change_start_implementation(locked, actor=actor)


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
    _walk_to_implementation(change, actor)
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
    """The emergency changes (proc. 7, 8) of the demo."""


# --- calendar: planned events and the calendar ---------------------


def _calendar(context: dict[str, Any]) -> None:
    """The planned events and the calendar of the demo."""


# --- kpis: KPIs ----------------------------------------------------


def _kpis(context: dict[str, Any]) -> None:
    """The KPIs of the demo."""


def load(context: dict[str, Any]) -> None:
    """Add the Change Management demo records that are missing."""
    _rfcs(context)
    _templates(context)
    _changes(context)
    _approvals(context)
    _tasks(context)
    _closure(context)
    _emergency(context)
    _calendar(context)
    _kpis(context)
