"""Seed 003 ch. 3 proc. 1, Request for Change Review: requests for change reach the change
coordinators of their service from the five sources (``rfc_submit``; incident requests and
the request form through ``rfc_from_incident``), and the change coordinator's review
(``rfc_review``) records a decision that ``changes.rules`` must agree with: a request from
Problem Management added to a change prepared earlier, a standard change from its template,
a rejection for a policy or because Change Management is not required, a hand-over to
Release Management, or a change registered from a change template and/or task templates.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.changes import rules, workflows
from steward.changes.choices import (
    OPEN_CHANGE_STATUSES,
    ChangeCategory,
    ChangeType,
    RfcRejection,
    RfcSource,
    RfcStatus,
)
from steward.changes.models import (
    Change,
    ChangePolicy,
    ChangeTemplate,
    RequestForChange,
    TaskTemplate,
)
from steward.changes.rules import RfcDecision
from steward.changes.services.changes import change_register
from steward.core import journal, notify, numbering, permissions, registry, roles, transitions
from steward.core.choices import Role
from steward.core.edits import lock_to_edit
from steward.core.errors import InvalidTransition
from steward.core.fields import given
from steward.core.models import Person
from steward.service_level.models import Service

VIEW = "changes.change.view"
SUBMIT = "changes.rfc.submit"
REVIEW = "changes.rfc.review"

# The answers the review reads (proc. 1); None = not answered yet.
CONDITIONS = (
    "causes_outage_in_service_hours",
    "functionality_changes",
    "cmdb_update",
    "problem_fix",
    "single_coordinator",
    "extra_funding",
)
# Sources whose requests name what they come from (later areas: their number until then).
REFERENCED = (RfcSource.KNOWN_ERROR, RfcSource.RELEASE, RfcSource.CONTINUITY)
FROM_INCIDENTS = (RfcSource.INCIDENT, RfcSource.REQUEST_FORM)

DECISION_TEXT = {
    RfcDecision.LINK: "add it to the change prepared earlier",
    RfcDecision.STANDARD: "a standard change from its template",
    RfcDecision.REJECT_POLICY: "reject it: it conflicts with a policy",
    RfcDecision.REJECT_NOT_NEEDED: "reject it: Change Management is not required",
    RfcDecision.TO_RELEASE: "hand it to Release Management",
    RfcDecision.REGISTER: "register a change from a change template and/or task templates",
}
DECISION_CHOICES = [(d.value, DECISION_TEXT[d].capitalize()) for d in RfcDecision]
NOT_REQUIRED = "Change Management is not required: it can be implemented without a change."
# Release Management (a later area: not imported here) receives a request handed to it
# under this name (core.registry): ``provider(RFC_RECEIVED)(rfc, actor=...)`` makes its
# side of the request (ch. 10 proc. 1) in the same transaction.
RFC_RECEIVED = "releases.rfc_received"


# --- Who is told ------------------------------------------------------------------------


def change_coordinators(service: Service) -> list[Person]:
    """The change coordinators of ``service``, else those holding the role everywhere."""
    return roles.holders(Role.CHANGE_COORDINATOR, service) or roles.holders(Role.CHANGE_COORDINATOR)


def release_coordinators(service: Service) -> list[Person]:
    """The release coordinators of ``service``, else those holding the role everywhere:
    Release Management's queue of requests for change (``status=to_release``)."""
    return roles.holders(Role.RELEASE_COORDINATOR, service) or roles.holders(
        Role.RELEASE_COORDINATOR
    )


def _tell(people: Iterable[Person | None], rfc: RequestForChange, kind: str, title: str,
          body: str, actor: Person) -> None:  # fmt: skip
    recipients = [p for p in people if p is not None and p.pk != actor.pk]
    if recipients:
        notify.send(recipients=recipients, event=f"rfc.{kind}", title=title, body=body, record=rfc)


# --- Submission -------------------------------------------------------------------------


def _one(model: type, pk: int | None, field: str, **conditions: Any) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, **conditions).first()
    if found is None:
        raise ValidationError({field: [f"No {model._meta.verbose_name} with this id here."]})
    return found


def _create(actor: Person, values: dict[str, Any], requested_by: Person | None) -> RequestForChange:
    """Write the request, journal it and tell the service's change coordinators."""
    rfc = RequestForChange(**values, requested_by=requested_by)
    numbering.assign(rfc)
    rfc.full_clean()
    rfc.save()
    journal.created(rfc, actor=actor, summary=f"From: {rfc.get_source_display()}")
    notify.record_event(record=rfc, event="changes.request_for_change.created", actor=actor)
    _tell(
        change_coordinators(rfc.service), rfc, "submitted",
        f"Request for change {rfc.number} to review", rfc.title, actor,
    )  # fmt: skip
    return rfc


def rfc_submit(
    *,
    actor: Person,
    title: str,
    service_id: int,
    source: str,
    description: str = "",
    incident_id: int | None = None,
    origin_reference: str = "",
    wanted_by: dt.datetime | None = None,
    standard_template_id: int | None = None,
    causes_outage_in_service_hours: bool | None = None,
    functionality_changes: bool | None = None,
    cmdb_update: bool | None = None,
    problem_fix: bool | None = None,
    single_coordinator: bool | None = None,
    extra_funding: bool | None = None,
) -> RequestForChange:
    """Proc. 1: a request for change reaches the change coordinators of its service from
    one of the five sources. An incident request (``incident``) or the request form names
    its incident request; a known error (Problem Management), a release requirement
    document (Release Management) or a return-to-production request (Continuity
    Management) names what it comes from in ``origin_reference`` until those areas exist.
    """
    errors: dict[str, list[str]] = {}
    if source not in RfcSource.values:
        errors["source"] = ["Select a valid choice."]
    if not (title or "").strip():
        errors["title"] = ["Say what is to change."]
    if source in REFERENCED and not (origin_reference or "").strip():
        errors["origin_reference"] = ["Name the known error, document or request it comes from."]
    if source in FROM_INCIDENTS and incident_id is None:
        errors["incident"] = ["Name the incident request it comes from."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        service = _one(Service, service_id, "service")
        permissions.require(actor, SUBMIT, service)
        conditions = given(
            causes_outage_in_service_hours=causes_outage_in_service_hours,
            functionality_changes=functionality_changes, cmdb_update=cmdb_update,
            problem_fix=problem_fix, single_coordinator=single_coordinator,
            extra_funding=extra_funding,
        )  # fmt: skip
        # given() drops None and "" but keeps False: an answered "no" stays an answer.
        values = {
            "title": title.strip()[:200], "description": (description or "").strip(),
            "source": source, "service": service,
            "incident": _incident(incident_id), "wanted_by": wanted_by,
            "origin_reference": (origin_reference or "").strip()[:40],
            "standard_template": _one(ChangeTemplate, standard_template_id,
                                      "standard_template", is_active=True,
                                      change_type=ChangeType.STANDARD),
            **conditions,
        }  # fmt: skip
        return _create(actor, values, actor)


def _incident(incident_id: int | None) -> Any:
    from steward.incidents.models import IncidentRequest

    return _one(IncidentRequest, incident_id, "incident")


def rfc_from_incident(
    *, actor: Person, incident: Any, source: str = RfcSource.INCIDENT
) -> RequestForChange | None:
    """Proc. 1's first two sources, called by Incident Management inside its own service
    (which checked the actor's right there): an incident request whose resolution needs
    Change Management (``incident``: the group coordinator routes it to the change
    coordinator, ch. 8 proc. 2) or a change generated upon the submission of the request
    form (``request_form``: a catalog request type that asks for it). The incident's
    answers to the Change Management rule are carried over; its requester is the RFC's
    requester for the request form. A request without a service, or one with an RFC still
    waiting for review, makes none."""
    if incident.service_id is None:
        return None
    waiting = incident.requests_for_change.filter(
        status__in=(RfcStatus.SUBMITTED, RfcStatus.TO_RELEASE)
    ).first()
    if waiting is not None:
        return waiting
    from_form = source == RfcSource.REQUEST_FORM
    values = {
        "title": incident.title[:200],
        "description": incident.description,
        "source": source,
        "service": incident.service,
        "incident": incident,
        "customer": incident.customer,
        "causes_outage_in_service_hours": incident.causes_service_unavailability,
        "functionality_changes": incident.changes_service_functionality,
        "cmdb_update": incident.requires_cmdb_update,
    }
    with transaction.atomic():
        rfc = _create(actor, values, incident.requester if from_form else actor)
        journal.system(
            incident,
            text=f"Request for change {rfc.number} submitted to Change Management.",
            data={"request_for_change": rfc.pk},
        )
    return rfc


# --- Review -----------------------------------------------------------------------------

UNANSWERED = "Answer this first: the review's rule needs it."
ONLY_KNOWN_ERRORS = (
    "Only a request from Problem Management (a known error) is added to a change prepared earlier."
)


def _refuse_unanswered(rfc: RequestForChange, names: Iterable[str]) -> None:
    missing = [name for name in names if getattr(rfc, name) is None]
    if missing:
        raise ValidationError({name: [UNANSWERED] for name in missing})


def _needs_change(rfc: RequestForChange) -> bool:
    answers = {
        "unavailable_in_service_hours": rfc.causes_outage_in_service_hours,
        "functionality_changes": rfc.functionality_changes,
        "cmdb_update": rfc.cmdb_update,
    }
    needed = rules.needs_change_management(**answers)
    if not needed:  # every "no" must be an answer, not a blank
        _refuse_unanswered(rfc, ("causes_outage_in_service_hours", "functionality_changes",
                                 "cmdb_update"))  # fmt: skip
    return needed


def _needs_release(rfc: RequestForChange) -> bool:
    answers = {
        "problem_fix": rfc.problem_fix,
        "single_coordinator": rfc.single_coordinator,
        "functionality_changes": rfc.functionality_changes,
        "extra_funding": rfc.extra_funding,
    }
    needed = rules.needs_release_management(source=rfc.source, **answers)
    if needed and rfc.problem_fix is not False:
        # Release Management "because unknown" is no answer: ask for the blanks, unless a
        # known answer already decides it (not one coordinator, new functions, funding).
        decided = (
            rfc.single_coordinator is False
            or rfc.functionality_changes is True
            or rfc.extra_funding is True
        )
        if not decided:
            _refuse_unanswered(rfc, ("problem_fix", "single_coordinator", "extra_funding"))
    return needed


def rfc_decision(
    rfc: RequestForChange,
    *,
    template: ChangeTemplate | None = None,
    policy: ChangePolicy | None = None,
    change: Change | None = None,
) -> RfcDecision:
    """What proc. 1 decides for ``rfc`` with the coordinator's choices (the standard
    template, the policy it conflicts with, the change to add it to), by
    ``rules.review_request_for_change``; ``ValidationError`` naming the conditions still
    unanswered when the rule cannot decide without them."""
    standard = rfc.standard_template_id is not None or (
        template is not None and template.change_type == ChangeType.STANDARD
    )
    joins = change is not None
    needs_change = needs_release = False
    if not (standard or policy is not None or (joins and rfc.source == RfcSource.KNOWN_ERROR)):
        needs_change = _needs_change(rfc)
        needs_release = needs_change and _needs_release(rfc)
    return rules.review_request_for_change(
        source=rfc.source,
        joins_existing_change=joins,
        standard=standard,
        policy_conflict=policy is not None,
        needs_change=needs_change,
        needs_release=needs_release,
    )


def rfc_review(
    *,
    actor: Person,
    rfc_id: int,
    decision: str,
    template_id: int | None = None,
    task_template_ids: Iterable[int] = (),
    policy_id: int | None = None,
    change_id: int | None = None,
    category: str = "",
    note: str = "",
    expected_version: int | None = None,
    **answers: bool | None,
) -> RequestForChange:
    """Proc. 1, the change coordinator's review of a request for change. The coordinator
    records a decision (``RfcDecision``) and may answer the conditions the rule reads
    (``answers``: the six of ``CONDITIONS``); the decision must be the one
    ``rfc_decision`` gives (400 naming ``decision`` otherwise). Only a change coordinator
    of the request's service (a role limited to it counts) or a change manager reviews."""
    if decision not in {d.value for d in RfcDecision}:
        raise ValidationError({"decision": ["Select a valid choice."]})
    unknown = sorted(set(answers) - set(CONDITIONS))
    if unknown:
        raise ValidationError({name: ["No such field here: it cannot be set."] for name in unknown})
    if category and category not in ChangeCategory.values:
        raise ValidationError({"category": ["Select a valid choice."]})
    with transaction.atomic():
        rfc = lock_to_edit(actor, REVIEW, RequestForChange, rfc_id, expected_version,
                           related=["service"])  # fmt: skip
        if rfc.status != RfcStatus.SUBMITTED:
            raise InvalidTransition(workflows.RFC.name, rfc.status, decision)
        _answer(rfc, {k: v for k, v in answers.items() if v is not None}, actor)
        template = _one(ChangeTemplate, template_id, "template", is_active=True)
        policy = _one(ChangePolicy, policy_id, "policy", is_active=True)
        change = _one(Change, change_id, "change")
        task_templates = _task_templates(task_template_ids)
        if change is not None and rfc.source != RfcSource.KNOWN_ERROR:
            raise ValidationError({"change": [ONLY_KNOWN_ERRORS]})
        expected = rfc_decision(rfc, template=template, policy=policy, change=change)
        if decision != expected:
            chosen = DECISION_TEXT[RfcDecision(decision)]
            message = f"Procedure 1 says: {DECISION_TEXT[expected]}, not “{chosen}”."
            raise ValidationError({"decision": [message]})
        rfc.coordinator, rfc.decided_at = actor, timezone.now()
        rfc.decision_note = (note or "").strip()
        context = _Review(rfc, actor, rfc.decision_note)
        if expected == RfcDecision.LINK:
            _link(context, change)
        elif expected in (RfcDecision.REJECT_POLICY, RfcDecision.REJECT_NOT_NEEDED):
            _reject(context, policy)
        elif expected == RfcDecision.TO_RELEASE:
            _to_release(context)
        else:
            _register(context, template, task_templates, category)
    return rfc


def _answer(rfc: RequestForChange, answers: dict[str, bool], actor: Person) -> None:
    bad = [name for name, value in answers.items() if not isinstance(value, bool)]
    if bad:
        raise ValidationError({name: ["Answer yes or no."] for name in bad})
    changes = journal.apply_changes(rfc, answers, list(answers))
    if changes:
        rfc.save(update_fields=[*changes, "updated_at"])
        journal.field_changes(rfc, actor=actor, changes=changes)


def _task_templates(ids: Iterable[int]) -> list[TaskTemplate]:
    wanted = list(dict.fromkeys(ids))
    found = {t.pk: t for t in TaskTemplate.objects.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise ValidationError({"task_templates": ["No task template with one of these ids."]})
    return [found[pk] for pk in wanted]


class _Review:
    """The request under review, who reviews and the note: what every branch needs."""

    def __init__(self, rfc: RequestForChange, actor: Person, note: str) -> None:
        self.rfc, self.actor, self.note = rfc, actor, note

    def move(self, to: str, *also: str, **data: Any) -> None:
        transitions.transition(
            self.rfc, to, actor=self.actor, workflow=workflows.RFC, permission=REVIEW,
            reason=self.note, event=f"changes.request_for_change.{to}", data=data or None,
            also=["coordinator", "decided_at", "decision_note", *also],
        )  # fmt: skip

    def tell_requester(self, kind: str, title: str, body: str) -> None:
        _tell([self.rfc.requested_by], self.rfc, kind, title, body, self.actor)


def _link(review: _Review, change: Change) -> None:
    """Proc. 1: a request from Problem Management added to a change prepared earlier."""
    rfc = review.rfc
    if change.status not in OPEN_CHANGE_STATUSES:
        raise ValidationError({"change": ["That change is no longer open: register a new one."]})
    rfc.change = change
    review.move(RfcStatus.LINKED, "change", change=change.pk)
    if rfc.incident_id:
        change.incidents.add(rfc.incident_id)
    journal.system(change, text=f"Request for change {rfc.number} added to this change.",
                   data={"request_for_change": rfc.pk})  # fmt: skip
    _tell([change.coordinator], rfc, "linked", f"{rfc.number} was added to {change.number}",
          rfc.title, review.actor)  # fmt: skip
    review.tell_requester("linked", f"Your request for change {rfc.number} is part of "
                          f"change {change.number}", rfc.title)  # fmt: skip


def _reject(review: _Review, policy: ChangePolicy | None) -> None:
    """Proc. 1: a conflict with a policy rejects the request, the requester told which
    policy; so does a change that does not need Change Management, the requester told
    that it is not required."""
    rfc = review.rfc
    rfc.rejection = RfcRejection.POLICY if policy else RfcRejection.NOT_NEEDED
    rfc.policy = policy
    review.move(RfcStatus.REJECTED, "rejection", "policy", rejection=rfc.rejection)
    if policy is not None:
        body = f"It conflicts with the policy “{policy.name}”: {policy.statement}"
    else:
        body = NOT_REQUIRED
    review.tell_requester("rejected", f"Your request for change {rfc.number} was rejected", body)


def _to_release(review: _Review) -> None:
    """Proc. 1: a request that needs Release Management is assigned to it: the service's
    release coordinators find it in their queue (``status=to_release``), where Release
    Management, when installed, receives it (``RFC_RECEIVED``)."""
    rfc = review.rfc
    review.move(RfcStatus.TO_RELEASE)
    receive = registry.provider(RFC_RECEIVED)
    if receive is not None:
        receive(rfc, actor=review.actor)
    _tell(release_coordinators(rfc.service), rfc, "to_release",
          f"Request for change {rfc.number} for Release Management", rfc.title,
          review.actor)  # fmt: skip


def _register(
    review: _Review,
    template: ChangeTemplate | None,
    task_templates: list[TaskTemplate],
    category: str,
) -> None:
    """Proc. 1: a standard change is prepared from its change template (pre-approved,
    with its tasks); any other change is registered from the most appropriate change
    template and/or task (group) templates."""
    rfc = review.rfc
    if template is None and rfc.standard_template_id:
        template = rfc.standard_template
    if template is None and not task_templates:
        raise ValidationError(
            {"template": ["Choose a change template and/or task templates to register it."]}
        )
    change = change_register(
        actor=review.actor, title=rfc.title, service_id=rfc.service_id,
        description=rfc.description, category=category or ChangeCategory.INFRASTRUCTURE,
        template_id=template.pk if template else None,
        task_template_ids=[t.pk for t in task_templates],
        requested_by=rfc.requested_by or review.actor,
        incident_ids=[rfc.incident_id] if rfc.incident_id else [],
    )  # fmt: skip
    rfc.change = change
    review.move(RfcStatus.REGISTERED, "change", change=change.pk)
    review.tell_requester("registered", f"Change {change.number} registered for your "
                          f"request {rfc.number}", change.title)  # fmt: skip


__all__ = [
    "change_coordinators",
    "release_coordinators",
    "rfc_decision",
    "rfc_from_incident",
    "rfc_review",
    "rfc_submit",
]
