"""Seed 003 ch. 8 proc. 1, Incident Request Registration (``incident_register``): priority
from the impact x urgency matrix, routed to a group (proc. 2); the desk may resolve at
once (first contact resolution, then proc. 6). Replies and work notes on a registered
request (``incident_add_reply``)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.html import strip_tags

from steward.configuration.models import ConfigurationItem
from steward.core import fields, journal, mentions, notify, numbering, permissions, refcache
from steward.core.choices import ClockMetric
from steward.core.edits import lock_to_edit
from steward.core.errors import InvalidTransition
from steward.core.models import (
    JournalEntry,
    Organisation,
    OrganisationMembership,
    Person,
    SupportGroup,
    TemplateKind,
)
from steward.core.roles import group_coordinators, represents
from steward.core.services import work
from steward.incidents import inputs, search, workflows
from steward.incidents.choices import (
    Channel,
    Impact,
    PendingReason,
    ResolutionCode,
    ServiceType,
    Urgency,
)
from steward.incidents.models import Category, IncidentRequest, RoutingRule
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.queries.templates import filled_template
from steward.incidents.services.common import (
    CUSTOMER_CHANNELS,
    ESCALATE,
    REGISTER,
    VIEW,
    N,
    _check_assignee,
    _event,
    _group_or_coordinators,
    _message,
    _tell,
)
from steward.incidents.services.people import may_work, require_customer_access
from steward.incidents.services.resolution import _resolve
from steward.incidents.services.routing import default_group, priority_for, route
from steward.incidents.services.tracking import _resume, _start_clocks, _stop_clocks
from steward.incidents.services.validation import (
    as_instance,
    checked_choice,
    checked_text,
    raise_errors,
)
from steward.service_level.models import Service

DEFAULT_CUSTOMERS = "incidents.default_customers"
# Every registration without a customer reads the requester's primary organisation; people
# change organisation rarely. Kept per requester, at most this many per process.
refcache.register(DEFAULT_CUSTOMERS, OrganisationMembership, Organisation)
DEFAULT_CUSTOMERS_KEPT = 20_000


def _default_customer(requester: Person) -> Organisation | None:
    """The requester's primary organisation (else their first), shared read-only."""

    def load() -> Organisation | None:
        membership = (
            OrganisationMembership.objects.filter(person_id=requester.pk)
            .select_related("organisation")
            .order_by("-is_primary", "pk")
            .first()
        )
        return membership.organisation if membership else None

    return refcache.cached(
        DEFAULT_CUSTOMERS, load, key=requester.pk, max_keys=DEFAULT_CUSTOMERS_KEPT
    )


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
    new = _checked_registration(
        actor,
        requester=requester, title=title, description=description, channel=channel,
        service=service, cis=cis, category=category, service_type=service_type, impact=impact,
        urgency=urgency, customer=customer, support_group=support_group, assignee=assignee,
        source_message_id=source_message_id, resolve_now=resolve_now,
    )  # fmt: skip
    # Routed before it is written: one insert, and the rules are read outside the
    # transaction that holds the number counter.
    _route(new)
    with transaction.atomic():
        _write_registration(new, actor)
        if new.resolve_now:
            _resolve(
                new.incident,
                actor,
                resolution=new.resolve_now["resolution"].strip(),
                resolution_code=new.resolve_now["resolution_code"],
                first_contact=True,
            )
        else:
            _announce_registration(new, actor)
    return new.incident


@dataclass
class _Registration:
    """A request being registered, with what its registration needs besides the row."""

    incident: IncidentRequest
    cis: list[ConfigurationItem]
    assignee: Person | None
    support_group: SupportGroup | None
    resolve_now: Mapping[str, Any] | None
    rule: RoutingRule | None = None


def _checked_registration(
    actor: Person,
    *,
    requester: Person | int,
    title: str,
    description: str,
    channel: str | None,
    service: Service | int | None,
    cis: Iterable[ConfigurationItem | int],
    category: Category | int | None,
    service_type: str | None,
    impact: str | None,
    urgency: str | None,
    customer: Organisation | int | None,
    support_group: SupportGroup | int | None,
    assignee: Person | int | None,
    source_message_id: str,
    resolve_now: Mapping[str, Any] | None,
) -> _Registration:
    """The arguments checked (every problem at once) and the unsaved request built."""
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
    channel = checked_choice(errors, "channel", channel or Channel.PHONE, Channel.values)
    service_type = checked_choice(
        errors,
        "service_type",
        service_type or ServiceType.USER_SERVICE_RESTORATION,
        ServiceType.values,
    )
    impact = checked_choice(errors, "impact", impact or Impact.MINOR, Impact.values)
    urgency = checked_choice(errors, "urgency", urgency or Urgency.MEDIUM, Urgency.values)
    if category is not None and not category.is_active:
        errors["category"] = ["This category is no longer used."]
    if support_group is not None and not support_group.is_active:
        errors["support_group"] = ["This group is not active."]
    if requester is not None and customer is None:
        customer = _default_customer(requester)
    raise_errors(errors)
    assert requester is not None
    _require_customer_side_may_register(actor, requester, customer)
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
        title=title, description=(description or "").strip(), requester=requester,
        customer=customer, service=service, category=category, service_type=service_type,
        channel=channel, impact=impact, urgency=urgency, priority=priority_for(impact, urgency),
        registered_by=actor, source_message_id=(source_message_id or "")[:250], status=N.NEW,
    )  # fmt: skip
    return _Registration(incident, ci_list, assignee, support_group, resolve_now)


def _require_customer_side_may_register(
    actor: Person, requester: Person, customer: Organisation | None
) -> None:
    """Customer-side people register for themselves, or for people of an organisation they
    represent, and only for their own or the requester's organisations."""
    if not permissions.is_customer_side(actor):
        return
    own_orgs = permissions.customer_organisation_ids(actor)
    for_self = requester.pk == actor.pk
    requester_orgs = set(requester.memberships.values_list("organisation_id", flat=True))
    if not for_self and not any(represents(actor, org) for org in requester_orgs):
        raise PermissionDenied("You may register requests for yourself only.")
    if customer is not None and customer.pk not in own_orgs | requester_orgs:
        raise PermissionDenied("You may not register requests for that organisation.")


def _route(new: _Registration) -> None:
    """Proc. 2: without a group (and not resolved at once) the routing rules pick one, else
    the default group; a request with a group is assigned."""
    incident, group = new.incident, new.support_group
    if group is None and not new.resolve_now:
        new.rule = route(incident, cis=new.cis)
        group = new.rule.support_group if new.rule else default_group()
    incident.support_group, incident.assignee, incident.routed_by = group, new.assignee, new.rule
    if group is not None:
        incident.status = N.ASSIGNED


def _write_registration(new: _Registration, actor: Person) -> None:
    """Number, save, journal (with how it was routed) and start the clocks."""
    incident, group, rule = new.incident, new.incident.support_group, new.rule
    numbering.assign(incident)
    incident.save()
    if new.cis:
        incident.cis.set(new.cis)
    routing_note, routing_data = "", None
    if rule is not None:
        routing_note = f"Routed to {group} by the rule “{rule.name}”."
        routing_data = {"routing_rule": rule.pk}
    elif group is not None and not new.resolve_now and not new.assignee:
        routing_note = f"No routing rule matched: sent to {group}."
    journal.created(
        incident,
        actor=actor,
        summary=str(incident),
        system_text=routing_note,
        system_data=routing_data,
    )
    _start_clocks(incident, actor, started_at=incident.created_at)
    if new.assignee is not None:
        _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
    _event(incident, "incidents.incident_request.created", actor, status=incident.status)


def _announce_registration(new: _Registration, actor: Person) -> None:
    """The requester hears it was registered (unless they registered it themselves at the
    desk); the assignee, else the group coordinators, that it is theirs. One write for all
    of them."""
    incident, group = new.incident, new.incident.support_group
    messages = []
    if incident.requester_id != actor.pk or incident.channel in CUSTOMER_CHANNELS:
        messages.append(
            _message(
                [incident.requester],
                incident,
                "incident.registered",
                f"Your request was registered: {incident.title}",
                "We will keep you informed; reply to this message to add information.",
            )
        )
    if new.assignee is not None:
        messages.append(
            _message([new.assignee], incident, "incident.assigned", "Assigned to you", actor=actor)
        )
    elif group is not None:
        messages.append(
            _message(
                group_coordinators(group),
                incident,
                "incident.queued",
                f"New request for {group}",
                incident.title,
                actor=actor,
            )
        )
    notify.send_many(messages)


def incident_add_reply(
    *,
    actor: Person,
    incident_id: int,
    body: str = "",
    public: bool = True,
    time_spent: int | None = None,
    template: int | None = None,
) -> JournalEntry:
    """A public reply or an internal work note (proc. 1: the user contacts the desk about a
    registered request; portal and email channel). A requester's reply to a request pending
    on them resumes it; the other side is told. Staff may start from a ``template`` (used
    when ``body`` is empty), record the ``time_spent`` (minutes) and mention colleagues in
    a work note (``@username``: told when they may see the request)."""
    minutes = work.checked_minutes(time_spent)
    with transaction.atomic():
        incident = lock_to_edit(actor, VIEW, IncidentRequest, incident_id)
        customer_side = permissions.is_customer_side(actor)
        given = fields.given(time_spent=time_spent, template=template)
        inputs.REPLY.check(actor, {"body": body, "public": public, **given}, incident)
        _require_may_reply(actor, incident, customer_side)
        if incident.status in (N.CLOSED, N.CANCELLED) and public:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "replied")
        if template is not None and not (body or "").strip():
            body = filled_template(actor, incident, template, TemplateKind.REPLY).text
        told: list[Person] = []
        if not public and not customer_side:
            body, told = mentions.mentioned(actor, body, lambda p: _may_see(p, incident))
        entry = journal.note_add(
            actor=actor, record=incident, body=body, public=public, permission=VIEW
        )
        activity = "reply" if public else "work note"
        work.time_spent_add(
            actor=actor, record=incident, minutes=minutes, activity=activity, entry=entry,
            group=incident.support_group,
        )  # fmt: skip
        search.refresh_documents(incident)
        mentions.tell(actor, incident, told, strip_tags(entry.body))
        _tell_other_side(actor, incident, body, public, customer_side)
        _event(incident, "incidents.incident_request.replied", actor, public=public)
    return entry


def _may_see(person: Person, incident: IncidentRequest) -> bool:
    return incidents_for(person).filter(pk=incident.pk).exists()


def _require_may_reply(actor: Person, incident: IncidentRequest, customer_side: bool) -> None:
    if customer_side:
        require_customer_access(actor, incident)
    elif not (
        may_work(actor, incident)
        or incident.requester_id == actor.pk
        or incident.escalated_to_id == actor.pk
        or permissions.has(actor, ESCALATE, incident)
    ):
        raise PermissionDenied("You do not work on this request.")


def _tell_other_side(
    actor: Person, incident: IncidentRequest, body: str, public: bool, customer_side: bool
) -> None:
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
