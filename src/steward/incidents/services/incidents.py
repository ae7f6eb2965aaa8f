"""Incident request lifecycle, seed 003 ch. 8 procedures 1-6.

- Proc. 1 Registration (``incident_register``): priority from the impact x urgency matrix;
  the desk may resolve at once (first contact resolution, then proc. 6).
- Proc. 2 Assignment: routing rules pick the group on registration (``route``); the group
  coordinator sends a request back to the desk (``incident_send_back``), decides whether
  Change Management is needed (``incident_assess_change``) and assigns a specialist or the
  service's change coordinator (``incident_assign``). Reopened requests are assigned by hand.
- Proc. 3 Tracking: SLA warnings and breaches go to the group coordinators of the request's
  group; a service outage past its resolution threshold to the service owner too
  (``_clock_recipients``, registered with ``clocks.register_escalation``). Reassignment is
  journalled.
- Proc. 4 Resolution by specialist: the Change Management rule escalates to the service
  owner (``incident_escalate``); otherwise ``incident_resolve``; a workaround likely to
  recur informs the problem coordinator (``incident_inform_problem_coordinator``).
- Proc. 5 Escalation handling (``incident_handle_escalation``): continuity (on-duty
  manager), emergency change, or back to the specialists.
- Proc. 6 Closure: the requester accepts (``incident_accept``) or reopens
  (``incident_reopen``); the desk closes for them (``incident_close``); resolved requests
  close by themselves after ``settings.INCIDENT_AUTO_CLOSE_BUSINESS_DAYS`` business days
  of the service's hours (``incidents_auto_close``, a daily task).

Clocks (``service_level.services.slt.start_clocks_for``): the customer's SLA clocks start on
registration (from its creation time) and the group's OLA clocks when a group gets the
request; both pause while pending on the requester or a supplier; the response clocks stop
when a person is assigned (or takes it, or it is resolved); all stop on resolution. A
new group cancels the previous group's open OLA clocks and starts its own. A stopped clock
cannot run again, so a reopened request gets new resolution clocks from the moment it is
reopened (the response was measured the first time). A new priority or service on an open
request cancels its open clocks and starts the new targets from the original start times
(the time paused so far is not carried over).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from steward.configuration.models import ConfigurationItem
from steward.core import (
    attachments,
    clocks,
    fields,
    journal,
    notify,
    numbering,
    permissions,
    versioning,
)
from steward.core.calendars import CalendarSpec, spec_for
from steward.core.choices import ClockKind, ClockMetric, ClockState, Role
from steward.core.errors import InvalidTransition
from steward.core.models import (
    BusinessCalendar,
    JournalEntry,
    Organisation,
    Person,
    SlaClock,
    SupportGroup,
)
from steward.incidents import inputs, workflows
from steward.incidents.choices import (
    OPEN_ACTION_STATUSES,
    OPEN_STATUSES,
    Channel,
    Escalation,
    Impact,
    IncidentStatus,
    PendingReason,
    ResolutionCode,
    SendBackReason,
    ServiceType,
    Urgency,
)
from steward.incidents.models import (
    Category,
    IncidentRequest,
    Solution,
    SolutionUse,
)
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.services.people import (
    change_coordinators,
    desk_people,
    group_coordinators,
    holders,
    is_coordinator,
    is_desk,
    is_member,
    may_work,
    problem_coordinators,
    represents,
    require_customer_access,
    require_verify,
    require_work,
    service_owners,
)
from steward.incidents.services.routing import default_group, priority_for, route
from steward.incidents.services.validation import (
    as_instance,
    checked_choice,
    checked_text,
    raise_errors,
)
from steward.service_level.models import Service
from steward.service_level.services import slt

N = IncidentStatus
VIEW = "incidents.incident.view"
REGISTER = "incidents.incident.register"
ASSIGN = "incidents.incident.assign"
ESCALATE = "incidents.incident.escalate"
CLOSE = "incidents.incident.close"


# Proc. 3: "a service outage" is a restoration request with extensive or significant impact.
OUTAGE_SERVICE_TYPES = frozenset(
    {ServiceType.INFRASTRUCTURE_RESTORATION, ServiceType.USER_SERVICE_RESTORATION}
)
OUTAGE_IMPACTS = frozenset({Impact.EXTENSIVE, Impact.SIGNIFICANT})
# Pending for these reasons stops the clocks (the provider is waiting on someone else).
PAUSING_REASONS = frozenset({PendingReason.AWAITING_REQUESTER, PendingReason.AWAITING_SUPPLIER})
CUSTOMER_CHANNELS = inputs.CUSTOMER_CHANNELS
CHANGE_FIELDS = (
    "causes_service_unavailability",
    "changes_service_functionality",
    "requires_cmdb_update",
)
UPDATE_FIELDS = (
    "title", "description", "service", "cis", "category", "service_type", "impact", "urgency",
    *CHANGE_FIELDS,
)  # fmt: skip
ACTION_FIELDS = ("title", "description", "support_group", "assignee", "due_at", "status")
ESCALATION_DECISIONS = {
    "continuity": Escalation.ON_DUTY_MANAGER,
    "emergency_change": Escalation.EMERGENCY_CHANGE,
    "back_to_specialists": Escalation.BACK_TO_SPECIALISTS,
}
ESCALATION = "incident escalation"


# --- Small helpers ----------------------------------------------------------------------


def _locked(incident_id: Any) -> IncidentRequest:
    try:
        return IncidentRequest.objects.select_for_update().get(pk=incident_id)
    except (IncidentRequest.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No incident request {incident_id}.") from None


def _transition(
    incident: IncidentRequest,
    new: str,
    actor: Person | None,
    reason: str = "",
    *,
    public: bool = False,
) -> str:
    """Check and set a new status, journalled; returns the old one. The reason is staff
    text, internal unless ``public`` (the procedure addresses it to the requester)."""
    old = incident.status
    workflows.INCIDENT.check(old, new)
    incident.status = new
    journal.transition(incident, actor=actor, old=old, new=new, reason=reason, reason_public=public)
    return old


def _save(incident: IncidentRequest, *fields: str) -> None:
    incident.save(update_fields=[*dict.fromkeys(fields), "updated_at"])


def _work_note(actor: Person, incident: IncidentRequest, text: str) -> None:
    if text and text.strip():
        journal.note_add(actor=actor, record=incident, body=text, public=False, permission=VIEW)


def _tell(
    recipients: Iterable[Person | None],
    incident: IncidentRequest,
    event: str,
    title: str,
    body: str = "",
    actor: Person | None = None,
) -> None:
    """In-app and email notification (emails after commit), skipping the actor."""
    people = [p for p in recipients if p is not None and (actor is None or p.pk != actor.pk)]
    notify.send(
        recipients=people,
        event=event,
        title=f"{incident.number}: {title}"[:200],
        body=body,
        record=incident,
    )


def _event(incident: IncidentRequest, event: str, actor: Person | None, **data: Any) -> None:
    notify.record_event(record=incident, event=event, actor=actor, data=data or None)


def _group_or_coordinators(incident: IncidentRequest) -> list[Person]:
    """Who should look at it now: the assignee, else the group coordinators, else the desk."""
    if incident.assignee is not None:
        return [incident.assignee]
    return group_coordinators(incident.support_group) or desk_people()


# --- Clocks -----------------------------------------------------------------------------


def _clocks(incident: IncidentRequest, **filters: Any) -> list[SlaClock]:
    return list(clocks.clocks_for(incident).filter(**filters).order_by("pk"))


def _start_clocks(
    incident: IncidentRequest,
    actor: Person | None,
    *,
    customer: bool = True,
    group: bool = True,
    started_at: datetime | None = None,
) -> list[SlaClock]:
    """Start the SLA (customer) and/or OLA (group) clocks that apply, if a service is known."""
    if incident.service_id is None:
        return []
    party_customer = incident.customer if customer else None
    party_group = incident.support_group if group else None
    if party_customer is None and party_group is None:
        return []
    return slt.start_clocks_for(
        record=incident,
        service=incident.service,
        customer=party_customer,
        priority=incident.priority,
        support_group=party_group,
        started_at=started_at,
        actor=actor,
    )


def _pause_clocks(incident: IncidentRequest, actor: Person | None, reason: str) -> None:
    for clock in _clocks(incident, state=ClockState.RUNNING):
        clocks.clock_pause(clock_id=clock.pk, reason=reason, actor=actor)


def _resume_clocks(incident: IncidentRequest, actor: Person | None) -> None:
    for clock in _clocks(incident, state=ClockState.PAUSED):
        clocks.clock_resume(clock_id=clock.pk, actor=actor)


def _stop_clocks(
    incident: IncidentRequest, actor: Person | None, *, metric: str | None = None
) -> None:
    filters: dict[str, Any] = {"state__in": clocks.OPEN_STATES}
    if metric:
        filters["metric"] = metric
    for clock in _clocks(incident, **filters):
        clocks.clock_stop(clock_id=clock.pk, actor=actor)


def _cancel_clocks(
    incident: IncidentRequest,
    actor: Person | None,
    reason: str,
    *,
    kind: str | None = None,
    only: Iterable[SlaClock] | None = None,
) -> list[SlaClock]:
    filters: dict[str, Any] = {"state__in": clocks.OPEN_STATES}
    if kind:
        filters["kind"] = kind
    targets = list(only) if only is not None else _clocks(incident, **filters)
    for clock in targets:
        clocks.clock_cancel(clock_id=clock.pk, reason=reason, actor=actor)
    return targets


def _new_group_clocks(incident: IncidentRequest, actor: Person | None) -> None:
    """The previous group's open OLA clocks end; the new group's OLA (if any) starts now."""
    _cancel_clocks(incident, actor, "assigned to another group", kind=ClockKind.OLA)
    if incident.support_group_id is not None and incident.status not in (N.RESOLVED, N.CLOSED):
        started = _start_clocks(incident, actor, customer=False)
        if incident.assignee_id is not None:
            for clock in started:
                if clock.metric == ClockMetric.RESPONSE:
                    clocks.clock_stop(clock_id=clock.pk, actor=actor)
        if incident.status == N.PENDING and incident.pending_reason in PAUSING_REASONS:
            for clock in started:
                if clock.metric != ClockMetric.RESPONSE or incident.assignee_id is None:
                    clocks.clock_pause(clock_id=clock.pk, reason="pending", actor=actor)


def _restart_clocks(incident: IncidentRequest, actor: Person | None, reason: str) -> None:
    """A new priority or service: replace the open clocks by the targets that now apply,
    measured from the same start (the SLA from registration)."""
    cancelled = _cancel_clocks(incident, actor, reason)
    responded = incident.assignee_id is not None or bool(
        _clocks(incident, metric=ClockMetric.RESPONSE, state=ClockState.STOPPED)
    )
    ola_start = min(
        (c.started_at for c in cancelled if c.kind == ClockKind.OLA), default=timezone.now()
    )
    started = _start_clocks(incident, actor, group=False, started_at=incident.created_at)
    started += _start_clocks(incident, actor, customer=False, started_at=ola_start)
    pausing = incident.status == N.PENDING and incident.pending_reason in PAUSING_REASONS
    for clock in started:
        if clock.metric == ClockMetric.RESPONSE and responded:
            clocks.clock_cancel(clock_id=clock.pk, reason="response already measured", actor=actor)
        elif pausing:
            clocks.clock_pause(clock_id=clock.pk, reason="pending", actor=actor)


def _clock_recipients(clock: SlaClock, level: str) -> list[Person]:
    """Proc. 3: SLA warnings and breaches go to the group coordinators of the request's group
    (the desk when it has none); a breach of the resolution clock of a service outage (a
    restoration with impact 1 or 2) goes to the service owner too (the on-duty manager when
    the service has no active owner)."""
    incident = (
        IncidentRequest.objects.select_related("support_group", "service__owner")
        .filter(pk=clock.record_id)
        .first()
    )
    if incident is None:
        return []
    people = group_coordinators(incident.support_group)
    if not people:
        people = desk_people()
    if level == "breach" and clock.metric == ClockMetric.RESOLUTION and is_outage(incident):
        people += service_owners(incident.service) or holders(Role.ON_DUTY_MANAGER)
    return people


def is_outage(incident: IncidentRequest) -> bool:
    """A service outage in the sense of proc. 3."""
    return (
        incident.service_id is not None
        and incident.service_type in OUTAGE_SERVICE_TYPES
        and incident.impact in OUTAGE_IMPACTS
    )


clocks.register_escalation("incidents.incidentrequest", _clock_recipients)
attachments.register(IncidentRequest, view=VIEW, change=VIEW, query=incidents_for)


# --- Proc. 1: registration --------------------------------------------------------------


def _default_customer(requester: Person) -> Organisation | None:
    membership = (
        requester.memberships.select_related("organisation").order_by("-is_primary", "pk").first()
    )
    return membership.organisation if membership else None


def _check_assignee(
    errors: dict, assignee: Person | None, group: SupportGroup | None, service: Service | None
) -> None:
    """An assignee is an active member of the group, or a change coordinator of the service."""
    if assignee is None:
        return
    if not assignee.is_active:
        errors["assignee"] = ["This person is not active."]
    elif group is None:
        errors["support_group"] = ["Choose the group the person works in."]
    elif not is_member(assignee, group) and assignee not in change_coordinators(service):
        errors["assignee"] = [f"{assignee} is not a member of {group}."]


def incident_register(
    *,
    actor: Person,
    requester: Person | int,
    title: str,
    description: str = "",
    channel: str | None = None,
    service: Service | int | None = None,
    cis: Iterable[ConfigurationItem | int] = (),
    category: Category | int | None = None,
    service_type: str | None = None,
    impact: str | None = None,
    urgency: str | None = None,
    customer: Organisation | int | None = None,
    support_group: SupportGroup | int | None = None,
    assignee: Person | int | None = None,
    source_message_id: str = "",
    resolve_now: Mapping[str, Any] | None = None,
) -> IncidentRequest:
    """Seed 003 ch. 8 proc. 1 (Incident Request Registration) and the routing of proc. 2.

    The desk registers for users; requesters register for themselves and customer
    representatives for people of their organisation (portal or email only). Without a
    group the routing rules choose one (else the default group, else it stays new for the
    desk). ``resolve_now`` ({"resolution", "resolution_code"}) is the desk resolving it at
    once: first contact resolution (proc. 6). What decides the handling (classification,
    impact and urgency, group, assignee) is the desk's: ``inputs.REGISTER`` refuses it to
    customer-side people; left out, the defaults apply (phone, user service restoration,
    minor impact, medium urgency).
    """
    permissions.require(actor, REGISTER)
    inputs.REGISTER.check(
        actor,
        fields.given(
            requester=requester, title=title, description=description, channel=channel,
            service=service, cis=list(cis or ()), category=category, service_type=service_type,
            impact=impact, urgency=urgency, customer=customer, support_group=support_group,
            assignee=assignee, source_message_id=source_message_id, resolve_now=resolve_now,
        ),
    )  # fmt: skip
    channel = channel or Channel.PHONE
    service_type = service_type or ServiceType.USER_SERVICE_RESTORATION
    impact, urgency = impact or Impact.MINOR, urgency or Urgency.MEDIUM
    errors: dict[str, list[str]] = {}
    requester = as_instance(Person, requester, "requester")
    service = as_instance(Service, service, "service")
    category = as_instance(Category, category, "category")
    support_group = as_instance(SupportGroup, support_group, "support_group")
    assignee = as_instance(Person, assignee, "assignee")
    customer = as_instance(Organisation, customer, "customer")
    ci_list = [as_instance(ConfigurationItem, ci, "cis") for ci in cis or ()]
    if requester is None:
        errors["requester"] = ["This field is required."]
    title = checked_text(errors, "title", title, max_length=200)
    channel = checked_choice(errors, "channel", channel, Channel.values)
    service_type = checked_choice(errors, "service_type", service_type, ServiceType.values)
    impact = checked_choice(errors, "impact", impact, Impact.values)
    urgency = checked_choice(errors, "urgency", urgency, Urgency.values)
    if category is not None and not category.is_active:
        errors["category"] = ["This category is no longer used."]
    if support_group is not None and not support_group.is_active:
        errors["support_group"] = ["This group is not active."]
    if requester is not None and customer is None:
        customer = _default_customer(requester)
    raise_errors(errors)
    assert requester is not None

    if permissions.is_customer_side(actor):
        own_orgs = permissions.customer_organisation_ids(actor)
        for_self = requester.pk == actor.pk
        requester_orgs = set(requester.memberships.values_list("organisation_id", flat=True))
        if not for_self and not any(represents(actor, org) for org in requester_orgs):
            raise PermissionDenied("You may register requests for yourself only.")
        if customer is not None and customer.pk not in own_orgs | requester_orgs:
            raise PermissionDenied("You may not register requests for that organisation.")
    if resolve_now is not None and not isinstance(resolve_now, Mapping):
        errors["resolve_now"] = ["Give the resolution and its code."]
    elif resolve_now:
        checked_text(errors, "resolution", resolve_now.get("resolution"))
        checked_choice(
            errors, "resolution_code", resolve_now.get("resolution_code"), ResolutionCode
        )
    _check_assignee(errors, assignee, support_group, service)
    raise_errors(errors)

    incident = IncidentRequest(
        title=title,
        description=(description or "").strip(),
        requester=requester,
        customer=customer,
        service=service,
        category=category,
        service_type=service_type,
        channel=channel,
        impact=impact,
        urgency=urgency,
        priority=priority_for(impact, urgency),
        registered_by=actor,
        source_message_id=(source_message_id or "")[:250],
        status=N.NEW,
    )
    # Routed before it is written: one insert, and the rules are read outside the
    # transaction that holds the number counter.
    rule = None
    if support_group is None and not resolve_now:
        rule = route(incident, cis=ci_list)
        support_group = rule.support_group if rule else default_group()
    incident.support_group, incident.assignee, incident.routed_by = support_group, assignee, rule
    if support_group is not None:
        incident.status = N.ASSIGNED
    with transaction.atomic():
        numbering.assign(incident)
        incident.save()
        if ci_list:
            incident.cis.set(ci_list)
        routing_note, routing_data = "", None
        if rule is not None:
            routing_note = f"Routed to {support_group} by the rule “{rule.name}”."
            routing_data = {"routing_rule": rule.pk}
        elif support_group is not None and not resolve_now and not assignee:
            routing_note = f"No routing rule matched: sent to {support_group}."
        journal.created(
            incident,
            actor=actor,
            summary=str(incident),
            system_text=routing_note,
            system_data=routing_data,
        )
        _start_clocks(incident, actor, started_at=incident.created_at)
        if assignee is not None:
            _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
        _event(incident, "incident.created", actor, status=incident.status)
        if resolve_now:
            _resolve(
                incident,
                actor,
                resolution=resolve_now["resolution"].strip(),
                resolution_code=resolve_now["resolution_code"],
                first_contact=True,
            )
        else:
            if requester.pk != actor.pk or channel in CUSTOMER_CHANNELS:
                _tell(
                    [requester],
                    incident,
                    "incident.registered",
                    f"Your request was registered: {incident.title}",
                    "We will keep you informed; reply to this message to add information.",
                )
            if assignee is not None:
                _tell([assignee], incident, "incident.assigned", "Assigned to you", actor=actor)
            elif support_group is not None:
                _tell(
                    group_coordinators(support_group),
                    incident,
                    "incident.queued",
                    f"New request for {support_group}",
                    incident.title,
                    actor=actor,
                )
    return incident


# --- Updates and replies ----------------------------------------------------------------


def incident_update(
    *, actor: Person, incident_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> IncidentRequest:
    """Proc. 1-4: correct what the request is about. A new impact or urgency recomputes the
    priority; a new priority or service restarts the clocks for the targets that now apply."""
    unknown = sorted(set(data) - set(UPDATE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "title":
            values[name] = checked_text(errors, name, value, max_length=200)
        elif name == "description":
            values[name] = (value or "").strip()
        elif name == "service":
            values[name] = as_instance(Service, value, name)
        elif name == "category":
            values[name] = as_instance(Category, value, name)
        elif name == "cis":
            values[name] = [as_instance(ConfigurationItem, ci, name) for ci in value or ()]
        elif name == "service_type":
            values[name] = checked_choice(errors, name, value, ServiceType.values)
        elif name == "impact":
            values[name] = checked_choice(errors, name, value, Impact.values)
        elif name == "urgency":
            values[name] = checked_choice(errors, name, value, Urgency.values)
        elif name in CHANGE_FIELDS:
            if value is not None and not isinstance(value, bool):
                errors[name] = ["Answer yes, no or not assessed."]
            values[name] = value
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        versioning.check(incident, expected_version)
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "updated")
        cis = values.pop("cis", None)
        old_priority, old_service = incident.priority, incident.service_id
        changes = journal.apply_changes(incident, values, list(values))
        incident.priority = priority_for(incident.impact, incident.urgency)
        if incident.priority != old_priority:
            changes["priority"] = (old_priority, incident.priority)
        if cis is not None:
            before = sorted(incident.cis.values_list("number", flat=True))
            after = sorted(ci.number for ci in cis)
            if before != after:
                incident.cis.set(cis)
                changes["cis"] = (", ".join(before), ", ".join(after))
        if not changes:
            return incident
        _save(incident, *[name for name in changes if name != "cis"])
        journal.field_changes(incident, actor=actor, changes=changes)
        if "priority" in changes or incident.service_id != old_service:
            _restart_clocks(incident, actor, "priority or service changed")
        _event(incident, "incident.updated", actor, fields=sorted(changes))
    return incident


def incident_add_reply(
    *, actor: Person, incident_id: int, body: str, public: bool = True
) -> JournalEntry:
    """A public reply or an internal work note (proc. 1: the user contacts the desk about a
    registered request; portal and email channel). A requester's reply to a request pending
    on them resumes it; the other side is told."""
    with transaction.atomic():
        incident = _locked(incident_id)
        permissions.require(actor, VIEW, incident)
        customer_side = permissions.is_customer_side(actor)
        inputs.REPLY.check(actor, {"body": body, "public": public}, incident)
        if customer_side:
            require_customer_access(actor, incident)
        elif not (
            may_work(actor, incident)
            or incident.requester_id == actor.pk
            or incident.escalated_to_id == actor.pk
            or permissions.has(actor, ESCALATE, incident)
        ):
            raise PermissionDenied("You do not work on this request.")
        if incident.status in (N.CLOSED, N.CANCELLED) and public:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "replied")
        entry = journal.note_add(
            actor=actor, record=incident, body=body, public=public, permission=VIEW
        )
        from_requester = incident.requester_id == actor.pk or customer_side
        if from_requester:
            if incident.status == N.PENDING and (
                incident.pending_reason == PendingReason.AWAITING_REQUESTER
            ):
                _resume(incident, actor, "The requester replied.", public=True)
            _tell(
                _group_or_coordinators(incident),
                incident,
                "incident.reply",
                f"Reply from {actor}",
                body,
                actor=actor,
            )
        elif public:
            _tell(
                [incident.requester],
                incident,
                "incident.reply",
                "New reply to your request",
                body,
                actor=actor,
            )
        _event(incident, "incident.replied", actor, public=public)
    return entry


# --- Proc. 2: assignment ----------------------------------------------------------------


def incident_assign(
    *,
    actor: Person,
    incident_id: int,
    support_group: SupportGroup | int | None = None,
    assignee: Person | int | None = None,
    reason: str = "",
) -> IncidentRequest:
    """Proc. 2 and 3: the desk assigns a group (and person) by hand; the group coordinator
    assigns a specialist of the group, or reassigns it to a better placed one (proc. 3).
    Every change of group and assignee is in the journal."""
    group = as_instance(SupportGroup, support_group, "support_group")
    person = as_instance(Person, assignee, "assignee")
    if group is None and person is None:
        raise ValidationError({"assignee": ["Choose a group or a person."]})
    with transaction.atomic():
        incident = _locked(incident_id)
        permissions.require(actor, ASSIGN, incident)
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, N.ASSIGNED)
        desk = is_desk(actor)
        if not desk and not is_coordinator(actor, incident.support_group):
            raise PermissionDenied("Only the group coordinator of its group may assign it.")
        new_group = group or incident.support_group
        if group is not None and group.pk != incident.support_group_id and not desk:
            raise PermissionDenied("Send it back to the service desk to change the group.")
        errors: dict[str, list[str]] = {}
        if new_group is not None and not new_group.is_active:
            errors["support_group"] = ["This group is not active."]
        _check_assignee(errors, person, new_group, incident.service)
        raise_errors(errors)
        group_changed = new_group.pk != incident.support_group_id if new_group else False
        new_person = (
            person if person is not None else (None if group_changed else incident.assignee)
        )
        first_person = incident.assignee_id is None and new_person is not None
        changes = {
            "support_group": (incident.support_group, new_group),
            "assignee": (incident.assignee, new_person),
        }
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        if not changes:
            return incident
        incident.support_group, incident.assignee = new_group, new_person
        incident.sent_back_reason = ""
        moved = incident.status in (N.NEW, N.IN_PROGRESS)
        if moved:
            _transition(incident, N.ASSIGNED, actor, reason)
        _save(incident, "support_group", "assignee", "sent_back_reason", "status")
        journal.field_changes(incident, actor=actor, changes=changes)
        if reason and not moved:
            _work_note(actor, incident, reason)
        if group_changed:
            _new_group_clocks(incident, actor)
        if first_person:
            _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
        if "assignee" in changes and new_person is not None:
            _tell([new_person], incident, "incident.assigned", "Assigned to you", reason, actor)
        elif group_changed:
            _tell(
                group_coordinators(new_group),
                incident,
                "incident.queued",
                f"New request for {new_group}",
                reason,
                actor,
            )
        _event(
            incident,
            "incident.assigned",
            actor,
            support_group=incident.support_group_id,
            assignee=incident.assignee_id,
        )
    return incident


def incident_take(*, actor: Person, incident_id: int) -> IncidentRequest:
    """Proc. 4 (and 6 for the desk): the actor takes the request and works on it."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status not in (N.NEW, N.ASSIGNED):
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, N.IN_PROGRESS)
        if incident.assignee_id not in (None, actor.pk) and not (
            is_desk(actor) or is_coordinator(actor, incident.support_group)
        ):
            raise PermissionDenied("It is assigned to someone else; ask the group coordinator.")
        old_assignee = incident.assignee
        incident.assignee = actor
        _transition(incident, N.IN_PROGRESS, actor)
        _save(incident, "assignee", "status")
        journal.field_changes(incident, actor=actor, changes={"assignee": (old_assignee, actor)})
        _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
        _event(incident, "incident.taken", actor, assignee=actor.pk)
    return incident


def incident_send_back(
    *, actor: Person, incident_id: int, reason: str, note: str
) -> IncidentRequest:
    """Proc. 2: the group coordinator of its group sends it back to the service desk
    because information is missing or it reached the wrong group; the desk is told why."""
    errors: dict[str, list[str]] = {}
    reason = checked_choice(errors, "reason", reason, SendBackReason.values)
    note = checked_text(errors, "note", note)
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        permissions.require(actor, ASSIGN, incident)
        if not is_coordinator(actor, incident.support_group):
            raise PermissionDenied("Only the group coordinator of its group sends it back.")
        label = SendBackReason(reason).label
        old_group, old_assignee = incident.support_group, incident.assignee
        _transition(incident, N.NEW, actor, f"{label}: {note}")
        incident.support_group = incident.assignee = incident.routed_by = None
        incident.sent_back_reason = reason
        _save(incident, "status", "support_group", "assignee", "routed_by", "sent_back_reason")
        journal.field_changes(
            incident,
            actor=actor,
            changes={"support_group": (old_group, None), "assignee": (old_assignee, None)},
        )
        _cancel_clocks(incident, actor, "sent back to the service desk", kind=ClockKind.OLA)
        registrar = incident.registered_by
        desk = (
            [registrar]
            if registrar is not None and registrar.pk != incident.requester_id
            else desk_people()
        )
        _tell(desk, incident, "incident.sent_back", f"Sent back: {label.lower()}", note, actor)
        _event(incident, "incident.sent_back", actor, reason=reason)
    return incident


def incident_set_pending(
    *, actor: Person, incident_id: int, reason: str, note: str = ""
) -> IncidentRequest:
    """Wait for the requester, a supplier, a change or a planned moment. Waiting on the
    requester or a supplier pauses the clocks; a note to the requester is a public reply."""
    errors: dict[str, list[str]] = {}
    reason = checked_choice(errors, "reason", reason, PendingReason.values)
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        _transition(incident, N.PENDING, actor, PendingReason(reason).label, public=True)
        incident.pending_reason = reason
        _save(incident, "status", "pending_reason")
        if note.strip():
            public = reason == PendingReason.AWAITING_REQUESTER
            journal.note_add(
                actor=actor, record=incident, body=note, public=public, permission=VIEW
            )
        if reason in PAUSING_REASONS:
            _pause_clocks(incident, actor, PendingReason(reason).label)
        if reason == PendingReason.AWAITING_REQUESTER:
            _tell(
                [incident.requester],
                incident,
                "incident.awaiting_requester",
                "We need information from you",
                note or "Please reply to this message with the information asked for.",
                actor,
            )
        _event(incident, "incident.pending", actor, reason=reason)
    return incident


def _resume(
    incident: IncidentRequest, actor: Person | None, reason: str = "", *, public: bool = False
) -> None:
    new = N.IN_PROGRESS if incident.assignee_id else N.ASSIGNED
    _transition(incident, new, actor, reason, public=public)
    incident.pending_reason = ""
    _save(incident, "status", "pending_reason")
    _resume_clocks(incident, actor)
    _event(incident, "incident.resumed", actor)


def incident_resume(*, actor: Person, incident_id: int, note: str = "") -> IncidentRequest:
    """The wait is over: back to work, clocks running again."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status != N.PENDING:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, N.IN_PROGRESS)
        _resume(incident, actor, note)
    return incident


# --- Change Management rule (proc. 2, 4) and escalation (proc. 4, 5) --------------------


def _escalate(incident: IncidentRequest, actor: Person, note: str) -> None:
    """To the service owner of the affected service; the on-duty manager stands in when
    the service has no active owner."""
    if incident.escalation in (
        Escalation.SERVICE_OWNER,
        Escalation.ON_DUTY_MANAGER,
        Escalation.EMERGENCY_CHANGE,
    ):
        raise InvalidTransition(ESCALATION, incident.escalation, Escalation.SERVICE_OWNER)
    if incident.status not in OPEN_STATUSES:
        raise InvalidTransition(workflows.INCIDENT.name, incident.status, "escalated")
    people = service_owners(incident.service) or holders(Role.ON_DUTY_MANAGER)
    if not people:
        raise ValidationError({"service": ["Neither a service owner nor an on-duty manager."]})
    old = incident.escalation
    incident.escalation, incident.escalated_to = Escalation.SERVICE_OWNER, people[0]
    incident.escalated_at = timezone.now()
    _save(incident, "escalation", "escalated_to", "escalated_at")
    journal.field_changes(
        incident,
        actor=actor,
        changes={"escalation": (old, incident.escalation), "escalated_to": (None, people[0])},
    )
    _work_note(actor, incident, note)
    _tell(people, incident, "incident.escalated", "Escalated to you", note or incident.title, actor)
    _event(incident, "incident.escalated", actor, escalated_to=people[0].pk)


def incident_assess_change(
    *,
    actor: Person,
    incident_id: int,
    causes_service_unavailability: bool,
    changes_service_functionality: bool,
    requires_cmdb_update: bool,
) -> IncidentRequest:
    """Proc. 2 and 4, the Change Management rule: will the resolution make a service
    unavailable or degraded during service hours, change its functionality, or require a
    CMDB update? Any yes: the group coordinator assigns it to the change coordinator of the
    service (proc. 2); a specialist escalates it to the service owner (proc. 4). All no: it
    stays with the group (the coordinator then assigns a specialist)."""
    answers = {
        "causes_service_unavailability": causes_service_unavailability,
        "changes_service_functionality": changes_service_functionality,
        "requires_cmdb_update": requires_cmdb_update,
    }
    errors = {k: ["Answer yes or no."] for k, v in answers.items() if not isinstance(v, bool)}
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status not in (N.ASSIGNED, N.IN_PROGRESS, N.PENDING):
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "assessed")
        changes = journal.apply_changes(incident, answers, CHANGE_FIELDS)
        if changes:
            _save(incident, *changes)
            journal.field_changes(incident, actor=actor, changes=changes)
        if not any(answers.values()):
            _event(incident, "incident.change_assessed", actor, needs_change=False)
            return incident
        as_coordinator = incident.assignee_id != actor.pk and (
            is_coordinator(actor, incident.support_group)
        )
        if as_coordinator:
            people = change_coordinators(incident.service)
            if not people:
                raise ValidationError({"service": ["The service has no change coordinator."]})
            old_assignee, old_escalation = incident.assignee, incident.escalation
            incident.assignee, incident.escalation = people[0], Escalation.CHANGE_COORDINATOR
            incident.escalated_to, incident.escalated_at = people[0], timezone.now()
            if incident.status == N.IN_PROGRESS:
                _transition(incident, N.ASSIGNED, actor, "Needs Change Management.")
            _save(incident, "assignee", "escalation", "escalated_to", "escalated_at", "status")
            journal.field_changes(
                incident,
                actor=actor,
                changes={
                    "assignee": (old_assignee, people[0]),
                    "escalation": (old_escalation, incident.escalation),
                },
            )
            if old_assignee is None:
                _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
            _tell(
                [people[0]],
                incident,
                "incident.change_needed",
                "Needs Change Management: assigned to you",
                incident.title,
                actor,
            )
        else:
            _escalate(incident, actor, "Its resolution needs Change Management.")
        _event(incident, "incident.change_assessed", actor, needs_change=True)
    return incident


def incident_escalate(*, actor: Person, incident_id: int, note: str = "") -> IncidentRequest:
    """Proc. 3 and 4: escalate to the service owner of the affected service (the on-duty
    manager when the owner is not available)."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        _escalate(incident, actor, note)
    return incident


def incident_handle_escalation(
    *, actor: Person, incident_id: int, decision: str, note: str = ""
) -> IncidentRequest:
    """Proc. 5, by the service owner (or the on-duty manager standing in): recover at the
    continuity site (to the on-duty manager), resolve through an emergency change (the
    change coordinator is told; Change Management itself is not in Steward yet, so the
    request is recorded in the journal), or back to the specialists."""
    if decision not in ESCALATION_DECISIONS:
        raise ValidationError({"decision": ["Select a valid choice."]})
    with transaction.atomic():
        incident = _locked(incident_id)
        permissions.require(actor, ESCALATE, incident)
        new = ESCALATION_DECISIONS[decision]
        if incident.escalation != Escalation.SERVICE_OWNER:
            raise InvalidTransition(ESCALATION, incident.escalation, new)
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, new)
        old, old_to = incident.escalation, incident.escalated_to
        incident.escalation = new
        if decision == "continuity":
            managers = holders(Role.ON_DUTY_MANAGER)
            if not managers:
                raise ValidationError({"decision": ["There is no on-duty manager."]})
            incident.escalated_to, incident.escalated_at = managers[0], timezone.now()
            recipients, title = managers, "Recover the service at its continuity site"
        elif decision == "emergency_change":
            incident.escalated_to = actor
            recipients = change_coordinators(incident.service)
            title = "Emergency change requested"
            journal.system(
                incident,
                text=f"Emergency change requested by {actor}. {note}".strip(),
                data={"emergency_change": True, "by": actor.pk},
            )
        else:
            incident.escalated_to = None
            recipients = [incident.assignee] if incident.assignee else []
            recipients = recipients or group_coordinators(incident.support_group)
            title = "Back to the specialists"
        _save(incident, "escalation", "escalated_to", "escalated_at")
        journal.field_changes(
            incident,
            actor=actor,
            changes={
                "escalation": (old, incident.escalation),
                "escalated_to": (old_to, incident.escalated_to),
            },
        )
        _work_note(actor, incident, note)
        _tell(recipients, incident, f"incident.escalation.{decision}", title, note, actor)
        _event(incident, "incident.escalation_handled", actor, decision=decision)
    return incident


# --- Proc. 4 and 6: resolution ----------------------------------------------------------


def _use_solution(incident: IncidentRequest, actor: Person, solution: Any) -> Solution | None:
    solution = as_instance(Solution, solution, "solution")
    if solution is None:
        return None
    _, created = SolutionUse.objects.get_or_create(
        solution=solution, incident=incident, defaults={"used_by": actor}
    )
    if created:
        Solution.objects.filter(pk=solution.pk).update(use_count=F("use_count") + 1)
    return solution


def _resolve(
    incident: IncidentRequest,
    actor: Person,
    *,
    resolution: str,
    resolution_code: str,
    solution: Any = None,
    first_contact: bool = False,
) -> None:
    if incident.actions.filter(status__in=OPEN_ACTION_STATUSES).exists():
        raise ValidationError({"actions": ["Complete or cancel the open actions first."]})
    _transition(incident, N.RESOLVED, actor, resolution, public=True)
    incident.resolution, incident.resolution_code = resolution, resolution_code
    incident.resolved_at, incident.resolved_by = timezone.now(), actor
    incident.first_contact_resolution = first_contact
    incident.pending_reason = ""
    incident.solution = _use_solution(incident, actor, solution)
    _save(
        incident,
        "status", "resolution", "resolution_code", "resolved_at", "resolved_by",
        "first_contact_resolution", "pending_reason", "solution",
    )  # fmt: skip
    _stop_clocks(incident, actor)
    _tell(
        [incident.requester],
        incident,
        "incident.resolved",
        "Your request was resolved",
        f"{resolution}\n\nIf this does not solve it, reopen the request from its page.",
        actor,
    )
    _event(incident, "incident.resolved", actor, first_contact=first_contact)


def incident_resolve(
    *,
    actor: Person,
    incident_id: int,
    resolution: str,
    resolution_code: str,
    solution: Solution | int | None = None,
    workaround: bool = False,
) -> IncidentRequest:
    """Proc. 4 (specialist) and 6 (service desk): resolve and notify the requester with a
    link. Refused while an action is open. ``workaround=True`` (resolved with a workaround
    and likely to recur) informs the problem coordinator of the service."""
    errors: dict[str, list[str]] = {}
    resolution = checked_text(errors, "resolution", resolution)
    resolution_code = checked_choice(
        errors, "resolution_code", resolution_code, ResolutionCode.values
    )
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        _resolve(
            incident,
            actor,
            resolution=resolution,
            resolution_code=resolution_code,
            solution=solution,
        )
        if workaround:
            _inform(incident, actor, "Resolved with a workaround; likely to recur.")
    return incident


def _inform(incident: IncidentRequest, actor: Person, note: str) -> list[Person]:
    people = problem_coordinators(incident.service)
    incident.problem_coordinator_informed_at = timezone.now()
    _save(incident, "problem_coordinator_informed_at")
    names = ", ".join(str(p) for p in people) or "nobody (no problem coordinator)"
    journal.system(
        incident,
        text=f"{actor} informed the problem coordinator: {names}. {note}".strip(),
        data={"problem_coordinators": [p.pk for p in people]},
    )
    _tell(people, incident, "incident.recurring", "An incident is likely to recur", note, actor)
    _event(incident, "incident.problem_coordinator_informed", actor)
    return people


def incident_inform_problem_coordinator(
    *, actor: Person, incident_id: int, note: str = ""
) -> IncidentRequest:
    """Proc. 4: a workaround was provided and the incident is likely to recur; the problem
    coordinator of the service (else any problem coordinator) is told."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status == N.CANCELLED:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "informed")
        if not _inform(incident, actor, note):
            raise ValidationError({"service": ["There is no problem coordinator to inform."]})
    return incident


# --- Proc. 6: closure -------------------------------------------------------------------


def _close(incident: IncidentRequest, actor: Person | None, reason: str) -> None:
    """``reason`` is Steward's own line ("Solution accepted."), public."""
    _transition(incident, N.CLOSED, actor, reason, public=True)
    incident.closed_at = timezone.now()
    _save(incident, "status", "closed_at")
    _event(incident, "incident.closed", actor)


def incident_accept(*, actor: Person, incident_id: int) -> IncidentRequest:
    """Proc. 6: the requester (or the desk for them) accepts the solution: closed."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_verify(actor, incident)
        _close(incident, actor, "Solution accepted.")
        if incident.resolved_by_id and incident.resolved_by_id != actor.pk:
            _tell(
                [incident.resolved_by],
                incident,
                "incident.accepted",
                "Solution accepted",
                "",
                actor,
            )
    return incident


def incident_close(*, actor: Person, incident_id: int) -> IncidentRequest:
    """Proc. 6: the desk closes a resolved request on the requester's behalf (the user,
    still in contact, verified the solution)."""
    with transaction.atomic():
        incident = _locked(incident_id)
        permissions.require(actor, CLOSE, incident)
        _close(incident, actor, "Closed by the service desk after verification.")
    return incident


def incident_reopen(
    *,
    actor: Person,
    incident_id: int,
    reason: str,
    support_group: SupportGroup | int | None = None,
) -> IncidentRequest:
    """Proc. 6 (and 1, 2): the solution does not work, the request is reopened. The desk
    picks the group by hand; the requester reopening leaves it with its previous group.
    New resolution clocks start now."""
    errors: dict[str, list[str]] = {}
    reason = checked_text(errors, "reason", reason)
    group = as_instance(SupportGroup, support_group, "support_group")
    if group is not None and not group.is_active:
        errors["support_group"] = ["This group is not active."]
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_verify(actor, incident)
        inputs.REOPEN.check(actor, fields.given(reason=reason, support_group=group), incident)
        if incident.status != N.RESOLVED:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "reopened")
        group = group or incident.support_group or default_group()
        group_changed = group != incident.support_group
        old = {
            "support_group": incident.support_group,
            "assignee": incident.assignee,
            "resolution": incident.resolution,
            "resolution_code": incident.resolution_code,
        }
        _transition(incident, N.ASSIGNED, actor, reason, public=True)  # inputs.REOPEN: shared
        incident.support_group = group
        if group_changed:
            incident.assignee = None
        incident.reopen_count += 1
        incident.resolution = incident.resolution_code = ""
        incident.resolved_at = incident.resolved_by = None
        incident.first_contact_resolution = False
        _save(
            incident,
            "status", "support_group", "assignee", "reopen_count", "resolution",
            "resolution_code", "resolved_at", "resolved_by", "first_contact_resolution",
        )  # fmt: skip
        new = {k: getattr(incident, k) for k in old}
        journal.field_changes(
            incident, actor=actor, changes={k: (old[k], new[k]) for k in old if old[k] != new[k]}
        )
        if group_changed:
            _cancel_clocks(incident, actor, "assigned to another group", kind=ClockKind.OLA)
        for clock in _start_clocks(incident, actor):
            if clock.metric == ClockMetric.RESPONSE:
                clocks.clock_cancel(clock_id=clock.pk, reason="reopened", actor=actor)
        _tell(
            _group_or_coordinators(incident),
            incident,
            "incident.reopened",
            "Reopened: the solution did not work",
            reason,
            actor,
        )
        _event(incident, "incident.reopened", actor, reopen_count=incident.reopen_count)
    return incident


def incident_cancel(*, actor: Person, incident_id: int, reason: str = "") -> IncidentRequest:
    """The desk withdraws a request registered by mistake (a duplicate, not an incident);
    its clocks stop measuring without a verdict."""
    with transaction.atomic():
        incident = _locked(incident_id)
        permissions.require(actor, CLOSE, incident)
        _transition(incident, N.CANCELLED, actor, reason, public=True)  # sent to the requester
        incident.closed_at = timezone.now()
        _save(incident, "status", "closed_at")
        _cancel_clocks(incident, actor, "request cancelled")
        _tell([incident.requester], incident, "incident.cancelled", "Request cancelled", reason)
        _event(incident, "incident.cancelled", actor)
    return incident


def _business_days_after(day: date, until: date, spec: CalendarSpec) -> int:
    """Working days (with hours, not holidays) after ``day`` up to and including ``until``."""
    count, current = 0, day + timedelta(days=1)
    while current <= until:
        if spec.periods[current.weekday()] and current not in spec.holidays:
            count += 1
        current += timedelta(days=1)
    return count


def incidents_auto_close(now: datetime | None = None) -> int:
    """Proc. 6: a resolved request neither accepted nor reopened closes after
    ``INCIDENT_AUTO_CLOSE_BUSINESS_DAYS`` working days of its service's calendar (every day
    counts for a service without hours). Idempotent; returns how many it closed."""
    now = now or timezone.now()
    days = int(getattr(settings, "INCIDENT_AUTO_CLOSE_BUSINESS_DAYS", 5))
    candidates = IncidentRequest.objects.filter(
        status=N.RESOLVED, resolved_at__lte=now - timedelta(days=max(days, 0))
    ).values_list("pk", "resolved_at", "service__service_hours_id")
    specs: dict[int | None, CalendarSpec] = {}
    due: list[int] = []
    by_calendar: dict[int | None, list[tuple[int, datetime]]] = defaultdict(list)
    for pk, resolved_at, calendar_id in candidates:
        by_calendar[calendar_id].append((pk, resolved_at))
    for calendar_id, rows in by_calendar.items():
        if calendar_id not in specs:
            calendar = BusinessCalendar.objects.prefetch_related("periods", "holidays").get(
                pk=calendar_id or slt.always_calendar().pk
            )
            specs[calendar_id] = spec_for(calendar)
        spec = specs[calendar_id]
        zone = ZoneInfo(spec.time_zone)
        today = now.astimezone(zone).date()
        for pk, resolved_at in rows:
            if _business_days_after(resolved_at.astimezone(zone).date(), today, spec) >= days:
                due.append(pk)
    closed = 0
    for pk in due:
        with transaction.atomic():
            incident = _locked(pk)
            if incident.status != N.RESOLVED:
                continue
            _close(incident, None, f"Closed automatically after {days} business days.")
            closed += 1
    return closed
