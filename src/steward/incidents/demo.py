"""Demo data of Incident Management, loaded after the CMDB demo.

Categories, routing rules, solutions (active, proposed, rejected), thirty more requesters
at the three customers, and about 300 incident requests over the last 90 days. The
requests are not written into the tables directly: their whole history (registration
with routing and SLA clocks, a specialist taking them, pending periods, actions,
solutions used, resolution, acceptance, reopening) is replayed through the Incident
Management services at the moments it happened, under a clock moved forward event by
event (freezegun). So the journal, the clocks (met or breached), the reports and the
queues all agree. Notifications of the replayed past are marked read and not emailed.

Safe to run again: nothing is added once the demo requests exist.
"""

import datetime as dt
import heapq
import random
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from steward.configuration.models import ConfigurationItem
from steward.core.demo.data import DEMO_PASSWORD
from steward.core.models import (
    Notification,
    Organisation,
    Person,
    ResponseTemplate,
    RoleAssignment,
    SupportGroup,
)
from steward.core.roles import group_coordinators
from steward.core.services import directory, work
from steward.incidents.choices import OPEN_STATUSES
from steward.incidents.models import Category, IncidentRequest, RoutingRule, Solution
from steward.incidents.services import incidents as svc
from steward.incidents.services import solutions as solution_svc
from steward.incidents.standard import ensure_priority_matrix

DAYS = 90
COUNT = 276
RECENT_DAYS, RECENT_COUNT = 3, 40  # the last days are busier, so the queues have work

CATEGORIES = {
    "Email": ["Mailbox", "Delivery"],
    "Access": ["Password reset", "Permissions"],
    "Workplace": ["Laptop", "Printer"],
    "Network": ["VPN", "Wi-Fi"],
    "Application": ["Error message", "Slow response"],
    "Request": ["New software", "New account"],
}

# order, name, conditions, group
ROUTING = [
    (10, "Database errors to the DBAs", {"keywords": "database, ora-, deadlock, sql"},
     "Database Administration"),
    (20, "Network problems", {"category": "Network"}, "Network Operations"),
    (30, "Network keywords", {"keywords": "vpn, wifi, wi-fi, network, firewall"},
     "Network Operations"),
    (40, "Online Banking", {"service": "Online Banking"}, "Application Support"),
    (50, "Payments Gateway", {"service": "Payments Gateway"}, "Application Support"),
    (60, "Health records", {"service": "Electronic Health Records"}, "Application Support"),
    (70, "Fleet Tracking", {"service": "Fleet Tracking"}, "Application Support"),
    (80, "Infrastructure events", {"service_type": "infrastructure_event"}, "Server & Storage"),
    (90, "Email platform", {"service": "Email & Collaboration", "category": "Email"},
     "Server & Storage"),
    (1000, "Everything else to the service desk", {}, "Service Desk"),
]  # fmt: skip

# key, title, symptoms, body, workaround, service, category, group, status
SOLUTIONS = [
    ("pwd", "Reset a forgotten password", "The user cannot sign in: password expired or forgotten.",
     "Verify the caller's identity (two questions), reset the password in the directory, "
     "ask the user to change it at first sign-in.", False, None, "Access > Password reset",
     "Service Desk", "active"),
    ("mailbox", "Mailbox full: archive or enlarge", "Mail bounces with 'mailbox full'.",
     "Enable online archiving, or raise the quota to 100 GB for named users.", False,
     "Email & Collaboration", "Email > Mailbox", "Server & Storage", "active"),
    ("vpn", "VPN drops every few minutes", "The VPN client disconnects and reconnects.",
     "Update the client to 7.2 or later; meanwhile switch the profile to TCP (workaround).",
     True, "Workplace Support", "Network > VPN", "Network Operations", "active"),
    ("printer", "Printer queue stuck", "Jobs stay 'printing' and nothing comes out.",
     "Restart the print spooler on the print server, clear the queue, resend.", False,
     "Workplace Support", "Workplace > Printer", "Service Desk", "active"),
    ("ob-slow", "Online Banking slow at month end", "Pages take 10+ seconds around the 1st.",
     "Scale out the web tier by two VMs for the month-end window (workaround until the "
     "batch is moved).", True, "Online Banking", "Application > Slow response",
     "Application Support", "active"),
    ("ehr-login", "EHR portal login loop", "After signing in, the portal returns to the login page.",
     "Clear the portal cookies; if it persists, the SSO certificate cache on the portal "
     "VMs must be refreshed.", False, "Electronic Health Records", "Application > Error message",
     "Application Support", "active"),
    ("fleet-gps", "Vehicles missing on the map", "Some vehicles show no position for hours.",
     "Restart the telemetry intake consumer; positions are replayed from the queue.", True,
     "Fleet Tracking", "Application > Error message", "Application Support", "proposed"),
    ("wifi", "Wi-Fi: cannot join the office network", "Laptops do not see or cannot join 'Office'.",
     "Forget the network, reconnect with the certificate profile.", False, "Workplace Support",
     "Network > Wi-Fi", "Network Operations", "proposed"),
    ("reboot", "Reboot the laptop", "Anything.", "Turn it off and on again.", False, None,
     None, "Service Desk", "rejected"),
]  # fmt: skip

# title, description, category, service, service type, (impact, urgency), CI name, solution
TEMPLATES = [
    ("Cannot sign in: password expired", "My password expired this morning.",
     "Access > Password reset", "Workplace Support", "user_service_restoration", ("4", "2"),
     None, "pwd", 14),
    ("Mailbox full, mail bounces", "Customers tell me my mail bounces.", "Email > Mailbox",
     "Email & Collaboration", "user_service_restoration", ("4", "2"), None, "mailbox", 8),
    ("VPN keeps disconnecting", "Working from home, the VPN drops every 5 minutes.",
     "Network > VPN", "Workplace Support", "user_service_restoration", ("4", "3"), None,
     "vpn", 8),
    ("Printer on floor 2 not printing", "Jobs stay in the queue.", "Workplace > Printer",
     "Workplace Support", "user_service_restoration", ("3", "3"), None, "printer", 6),
    ("Online Banking very slow", "Customers complain pages take ages to load.",
     "Application > Slow response", "Online Banking", "user_service_restoration", ("2", "2"),
     "Online Banking Web front end", "ob-slow", 5),
    ("Payments rejected with error 503", "Card payments fail since 10:05.",
     "Application > Error message", "Payments Gateway", "user_service_restoration",
     ("1", "1"), "Payments Gateway Payment switch", None, 2),
    ("EHR portal: login loop", "Nurses are sent back to the login page.",
     "Application > Error message", "Electronic Health Records", "user_service_restoration",
     ("2", "1"), "Electronic Health Records EHR portal", "ehr-login", 4),
    ("Vehicles not visible on the map", "Since the night, 12 trucks show no position.",
     "Application > Error message", "Fleet Tracking", "user_service_restoration", ("3", "2"),
     "Fleet Tracking Telemetry intake", None, 4),
    ("New laptop for a new colleague", "Starts on Monday in Finance.", "Request > New account",
     "Workplace Support", "user_service_request", ("4", "4"), None, None, 6),
    ("Install Visio", "I need Visio for process drawings.", "Request > New software",
     "Workplace Support", "user_service_request", ("4", "4"), None, None, 5),
    ("Database deadlocks in the batch", "ORA-00060 deadlock detected in the nightly batch.",
     "Application > Error message", "Online Banking", "infrastructure_restoration",
     ("3", "2"), "ob-db", None, 2),
    ("Disk 85% full on esx host", "Monitoring: datastore usage above threshold.", None,
     "Online Banking", "infrastructure_event", ("3", "3"), "esx-ams-dc1-03", None, 3),
    ("Wi-Fi not working in meeting room", "Cannot join the office Wi-Fi.", "Network > Wi-Fi",
     "Workplace Support", "user_service_restoration", ("4", "3"), None, "wifi", 4),
    ("Shared calendar not updating", "Team calendar shows old appointments.", "Email > Delivery",
     "Email & Collaboration", "user_service_restoration", ("4", "3"), None, None, 4),
]  # fmt: skip

RESOLUTION_HOURS = {"1": (1, 5), "2": (2, 14), "3": (4, 60), "4": (8, 150)}
FIRST_NAMES = ["Anna", "Bram", "Chloe", "Daan", "Emma", "Finn", "Gwen", "Hugo", "Iris", "Jens",
               "Kees", "Lotte", "Milan", "Noor", "Olaf", "Pien", "Ruud", "Saar", "Thijs", "Vera"]  # fmt: skip
LAST_NAMES = ["Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
              "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "Dekker"]  # fmt: skip


def _reference_data(context: dict[str, Any]) -> dict[str, Any]:
    admin = context["admin"]
    groups: dict[str, SupportGroup] = context["groups"]
    categories: dict[str, Category] = {}
    for parent_name, children in CATEGORIES.items():
        parent, _ = Category.objects.get_or_create(name=parent_name, parent=None)
        categories[parent_name] = parent
        for name in children:
            categories[f"{parent_name} > {name}"] = Category.objects.get_or_create(
                name=name, parent=parent
            )[0]
    services = context["services"]
    if not RoutingRule.objects.exists():
        for order, name, conditions, group in ROUTING:
            fields = dict(conditions)
            if "service" in fields:
                fields["service"] = services[fields["service"]]
            if "category" in fields:
                fields["category"] = categories[fields["category"]]
            RoutingRule.objects.create(
                order=order, name=name, support_group=groups[group], **fields
            )
    solutions: dict[str, Solution] = {}
    if not Solution.objects.exists():
        people = context["people"]
        for key, title, symptoms, body, workaround, service, category, group, status in SOLUTIONS:
            solution = solution_svc.solution_propose(
                actor=people["kim.spec"] if group == "Application Support" else people["dana.desk"],
                title=title, body=body, symptoms=symptoms, is_workaround=workaround,
                service=services[service] if service else None,
                category=categories[category] if category else None,
                support_group=groups[group],
            )  # fmt: skip
            approver = _coordinator(groups[group], people) or admin
            if status == "active":
                solution_svc.solution_activate(actor=approver, solution_id=solution.pk)
            elif status == "rejected":
                solution_svc.solution_reject(
                    actor=approver, solution_id=solution.pk, note="Too generic to help anyone."
                )
            solutions[key] = solution
    # Read back: activation and rejection changed the rows after they were proposed.
    by_title = {s.title: s for s in Solution.objects.all()}
    solutions = {key: by_title.get(title) for key, title, *_ in SOLUTIONS}
    return {"categories": categories, "solutions": solutions}


def _coordinator(group: SupportGroup, people: dict[str, Person]) -> Person | None:
    for person in group_coordinators(group):
        return person
    return None


def _requesters(context: dict[str, Any], rng: random.Random) -> list[Person]:
    """The demo's customer people plus ten more per customer (they can log in)."""
    admin = context["admin"]
    found: list[Person] = []
    password = ""
    for code in ("northwind", "contoso", "fabrikam"):
        org: Organisation = context["organisations"][code]
        for n in range(10):
            first, last = (
                FIRST_NAMES[(n * 3 + len(code)) % 20],
                LAST_NAMES[(n * 7 + len(code)) % 15],
            )
            username = f"{first.lower()}.{code}{n}"
            person = Person.objects.filter(username=username).first()
            if person is None:
                person = directory.person_create(
                    actor=admin, username=username, organisations=[org], primary_organisation=org,
                    first_name=first, last_name=last, email=f"{username}@{code}.example",
                )  # fmt: skip
                # One hash for all of them: hashing thirty passwords costs seconds.
                password = password or make_password(DEMO_PASSWORD)
                Person.objects.filter(pk=person.pk).update(password=password)
                RoleAssignment.objects.get_or_create(person=person, role="requester")
            found.append(person)
        found += [
            p for p in Person.objects.filter(memberships__organisation=org)
            if p.username in {"ruben.northwind", "tom.contoso", "fiona.fabrikam"}
        ]  # fmt: skip
    return found


def _business_moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A random moment, mostly on weekdays between 08:00 and 18:00 local time."""
    tz = timezone.get_current_timezone()
    while True:
        at = start + (end - start) * rng.random()
        local = at.astimezone(tz)
        if (local.weekday() < 5 and 8 <= local.hour < 18) or rng.random() < 0.08:
            return at


def _counts() -> tuple[int, int]:
    """How many requests to replay over the quarter and over the last days:
    ``settings.STEWARD_DEMO_INCIDENTS`` (tests of other areas) shortens the history."""
    wanted = getattr(settings, "STEWARD_DEMO_INCIDENTS", None)
    if wanted is None:
        return COUNT, RECENT_COUNT
    recent = max(wanted * RECENT_COUNT // (COUNT + RECENT_COUNT), 1)
    return max(wanted - recent, 0), recent


def load(context: dict[str, Any]) -> None:
    """Add the Incident Management demo records that are missing."""
    ensure_priority_matrix()
    reference = _reference_data(context)
    _response_templates(context)
    if IncidentRequest.objects.exists():
        return
    from freezegun import freeze_time

    rng = random.Random(8)
    requesters = _requesters(context, rng)
    now = timezone.now()
    plan = _plan(context, reference, requesters, rng, now)
    first = plan[0][0]
    # One transaction: the replay is one load, and SQLite commits once instead of ~2,000
    # times; notification emails queued "after commit" are switched off below anyway.
    with transaction.atomic(), freeze_time(first, tick=True) as frozen:
        while plan:
            at, _seq, step = heapq.heappop(plan)
            if at >= now:
                continue  # not happened yet: these requests stay open
            frozen.move_to(at)
            followups = step()
            for follow in followups or ():
                heapq.heappush(plan, follow)
    # The replayed past was read and emailed long ago.
    Notification.objects.filter(created_at__lt=now - dt.timedelta(hours=2)).update(
        read_at=now, send_email=False
    )
    Notification.objects.filter(created_at__lt=now).update(send_email=False)
    svc.incidents_auto_close(now)
    context["counts"]["incident requests"] = IncidentRequest.objects.count()


DEMO_TEMPLATES = [
    ("reply", "Asking for details",
     "Hello {{requester.first_name}},\n\nThank you for reporting {{number}} ({{title}}). "
     "Could you tell us when it started and whether colleagues see it too?\n\n"
     "Kind regards,\n{{agent.name}}"),
    ("reply", "Working on it",
     "Hello {{requester.first_name}},\n\nWe are working on {{number}} for {{service}} "
     "and will let you know as soon as it is solved.\n\n{{agent.name}}"),
    ("resolution", "Solved: restarted",
     "Hello {{requester.first_name}}, we restarted the affected component of {{service}} "
     "and it works again. If the problem comes back, reopen {{number}}."),
]  # fmt: skip


def _response_templates(context: dict[str, Any]) -> None:
    """Shared reply and resolution templates, written by the coordinator (once)."""
    author = context["people"].get("grace.coord")
    if author is None or ResponseTemplate.objects.exists():
        return
    for kind, name, body in DEMO_TEMPLATES:
        work.response_template_create(actor=author, name=name, kind=kind, body=body, shared=True)


def _plan(
    context: dict[str, Any],
    reference: dict[str, Any],
    requesters: list[Person],
    rng: random.Random,
    now: dt.datetime,
) -> list[tuple[dt.datetime, int, Callable[[], Any]]]:
    people, services = context["people"], context["services"]
    desk = [people["dana.desk"], people["sid.desk"]]
    cis = {ci.name: ci for ci in ConfigurationItem.objects.filter(
        name__in=[t[6] for t in TEMPLATES if t[6]])}  # fmt: skip
    weights = [t[8] for t in TEMPLATES]
    seq = iter(range(10**9))
    events: list[tuple[dt.datetime, int, Callable[[], Any]]] = []
    start = now - dt.timedelta(days=DAYS)

    def push(at: dt.datetime, fn: Callable[[], Any]) -> tuple[dt.datetime, int, Callable]:
        return (at, next(seq), fn)

    recent = now - dt.timedelta(days=RECENT_DAYS)
    count, recent_count = _counts()
    for n in range(count + recent_count):
        template = rng.choices(TEMPLATES, weights=weights)[0]
        title, description, category, service, stype, (impact, urgency), ci, solution, _w = template
        service_obj = services[service]
        customers = list(service_obj.customers.values_list("pk", flat=True))
        candidates = [
            p for p in requesters
            if p.memberships.filter(organisation_id__in=customers).exists()
        ] or requesters  # fmt: skip
        requester = rng.choice(candidates)
        since = start if n < count else recent
        registered = _business_moment(rng, since, now - dt.timedelta(minutes=20))
        story = _Story(rng, people, reference, desk, requester, cis.get(ci or ""), solution)
        story.recent = registered > now - dt.timedelta(days=2)
        fields = {
            "title": title, "description": description,
            "category": reference["categories"].get(category or ""), "service": service_obj,
            "service_type": stype, "impact": impact, "urgency": urgency,
            "channel": rng.choice(["phone", "phone", "email", "portal"]),
        }  # fmt: skip
        events.append(push(registered, lambda s=story, f=fields: s.register(f, push)))
    heapq.heapify(events)
    return events


class _Story:
    """One request's life, each step scheduling the next."""

    def __init__(self, rng, people, reference, desk, requester, ci, solution_key) -> None:
        self.rng, self.people, self.reference = rng, people, reference
        self.desk, self.requester, self.ci = rng.choice(desk), requester, ci
        self.solution = reference["solutions"].get(solution_key) if solution_key else None
        self.pk: int | None = None
        self.worker: Person | None = None
        self.recent = False

    def _incident(self) -> IncidentRequest:
        return IncidentRequest.objects.select_related("support_group").get(pk=self.pk)

    def register(self, fields: dict[str, Any], push: Callable) -> list:
        rng = self.rng
        first_contact = False
        if self.solution is not None and self.solution.status == "active" and rng.random() < 0.35:
            first_contact = True
        with transaction.atomic():
            incident = svc.incident_register(
                actor=self.desk, requester=self.requester, cis=[self.ci] if self.ci else (),
                resolve_now={"resolution": self.solution.body, "resolution_code": "solved"}
                if first_contact else None, **fields,
            )  # fmt: skip
        self.pk = incident.pk
        now = timezone.now()
        if first_contact:
            solution_svc.solution_use(
                actor=self.desk, solution_id=self.solution.pk, incident_id=incident.pk
            )
            return [push(now + dt.timedelta(hours=rng.uniform(1, 30)), self.verify_and_push(push))]
        if self.recent and rng.random() < 0.4:
            return []  # still waiting in its group's queue
        take_at = now + dt.timedelta(minutes=rng.uniform(5, 150))
        return [push(take_at, lambda: self.take(push))]

    def verify_and_push(self, push: Callable) -> Callable[[], list]:
        return lambda: self.verify(push)

    def take(self, push: Callable) -> list:
        incident = self._incident()
        if incident.status not in OPEN_STATUSES or incident.support_group is None:
            return []
        members = list(incident.support_group.members.filter(is_active=True))
        if not members:
            return []
        self.worker = self.rng.choice(members)
        svc.incident_take(actor=self.worker, incident_id=self.pk)
        low, high = RESOLUTION_HOURS[incident.priority]
        hours = self.rng.uniform(low, high) * (3 if self.recent else 1)
        if self.rng.random() < 0.12:  # waiting for the requester for a while
            at = timezone.now() + dt.timedelta(hours=hours / 3)
            return [push(at, lambda: self.pend(push, hours))]
        return [push(timezone.now() + dt.timedelta(hours=hours), lambda: self.resolve(push))]

    def pend(self, push: Callable, hours: float) -> list:
        svc.incident_set_pending(
            actor=self.worker, incident_id=self.pk, reason="awaiting_requester",
            note="Could you tell us when this happens exactly?",
        )  # fmt: skip
        resume = timezone.now() + dt.timedelta(hours=self.rng.uniform(2, 40))
        return [push(resume, lambda: self.resume(push, hours))]

    def resume(self, push: Callable, hours: float) -> list:
        svc.incident_resume(actor=self.worker, incident_id=self.pk, note="Thanks, looking at it.")
        return [push(timezone.now() + dt.timedelta(hours=hours / 2), lambda: self.resolve(push))]

    def resolve(self, push: Callable) -> list:
        incident = self._incident()
        if incident.status not in OPEN_STATUSES:
            return []
        solution = None
        if self.solution is not None and self.solution.status == "active":
            solution = self.solution
            solution_svc.solution_use(
                actor=self.worker, solution_id=solution.pk, incident_id=self.pk
            )
        svc.incident_resolve(
            actor=self.worker, incident_id=self.pk,
            resolution=solution.body if solution else "Fixed; the cause is noted in the work notes.",
            resolution_code="workaround" if solution and solution.is_workaround else "solved",
            time_spent=15 + (self.pk * 7) % 80,  # not from rng: the replay stays the same
        )  # fmt: skip
        return [push(timezone.now() + dt.timedelta(hours=self.rng.uniform(1, 50)),
                     lambda: self.verify(push))]  # fmt: skip

    def verify(self, push: Callable) -> list:
        incident = self._incident()
        if incident.status != "resolved":
            return []
        roll = self.rng.random()
        if roll < 0.06 and incident.reopen_count == 0:
            svc.incident_reopen(
                actor=self.requester, incident_id=self.pk,
                reason="It happened again this morning.",
            )  # fmt: skip
            if self.worker is None:
                return [push(timezone.now() + dt.timedelta(minutes=30), lambda: self.take(push))]
            return [push(timezone.now() + dt.timedelta(hours=self.rng.uniform(2, 20)),
                         lambda: self.resolve(push))]  # fmt: skip
        if roll < 0.7:
            svc.incident_accept(actor=self.requester, incident_id=self.pk)
        return []  # the rest is closed by the auto-close job
