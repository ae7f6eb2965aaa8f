"""The operations manager's writes of the event review (seed 003 ch. 6 proc. 2) and the
outage review (proc. 3).

Both ask a group for an improvement the same way the seed says: "opens a new incident
request and explains what should be changed ... ensures that it gets assigned to the
group that will be responsible". The request is registered through Incident
Management's own registration (``incident_register``) with:

- requester and registrar: the operations manager (they asked for it);
- service type "user service request": nothing is broken and nothing is about to be
  (that would be "infrastructure restoration" or "infrastructure event", which the seed
  keeps for what events announce); it is a request for a change in how the
  infrastructure is monitored;
- impact 4 (minor) and urgency 4 (low): an improvement, not a restoration; channel
  "api" (registered by Steward from the review, not a call or a mail);
- the group given, else the source's support group (the group that maintains its
  monitoring jobs); without either it is refused: the seed wants it assigned.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import fields, journal, notify, permissions, transitions
from steward.core.errors import DomainError
from steward.core.ids import parse_id
from steward.core.models import Person, SupportGroup
from steward.events import inputs
from steward.events.choices import OutageFinding, ReviewTopic
from steward.events.models import EventSource, ImprovementRequest, OutageReview
from steward.events.queries import reviews as queries
from steward.incidents.choices import Channel, Impact, ServiceType, Urgency
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incident_for
from steward.incidents.services.registration import incident_register

REVIEW = queries.REVIEW
NEEDS_FOLLOW_UP = (OutageFinding.CORRELATION_CORRECTION, OutageFinding.MONITORING_CORRECTION)
NEEDS_NOTE = (OutageFinding.NOT_WORTH_MONITORING,)
FOLLOW_UP_TOPICS = {
    OutageFinding.CORRELATION_CORRECTION: "Correct the automated correlation rules",
    OutageFinding.MONITORING_CORRECTION: "Create or adjust a monitoring job",
}


def _record(model: type, value: Any, field: str, errors: dict[str, list[str]]) -> Any:
    """An instance from an instance or an id; a field error for an unknown one."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    pk = parse_id(value)
    found = model._default_manager.filter(pk=pk).first() if pk is not None else None
    if found is None:
        errors[field] = [f"Unknown {model._meta.verbose_name}."]
    return found


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _group(chosen: SupportGroup | None, default: SupportGroup | None,
           errors: dict[str, list[str]], missing: str) -> SupportGroup | None:  # fmt: skip
    group = chosen or default
    if group is None and "support_group" not in errors:
        errors["support_group"] = [missing]
    elif group is not None and not group.is_active:
        errors["support_group"] = ["This group is not active."]
    return group


def _register(actor: Person, *, title: str, description: str, group: SupportGroup,
              cis: list[int] = ()) -> IncidentRequest:  # type: ignore[assignment]  # fmt: skip
    return incident_register(
        actor=actor, requester=actor, title=title[:200], description=description,
        channel=Channel.API, service_type=ServiceType.USER_SERVICE_REQUEST,
        impact=Impact.MINOR, urgency=Urgency.LOW, support_group=group, cis=cis,
    )  # fmt: skip


def improvement_raise(
    *,
    actor: Person,
    topic: str,
    subject: str,
    description: str,
    support_group: SupportGroup | int | None = None,
    source: EventSource | int | None = None,
) -> ImprovementRequest:
    """Seed 003 ch. 6 proc. 2 (Event Review): the operations manager opens an incident
    request explaining what should be changed (``description``) about ``subject`` (a
    finding of the review: a monitor, a resource, an event type, a correlation rule) and
    has it assigned to the responsible group: ``support_group``, else the support group of
    ``source``. Refused while a request raised for the same finding is still open."""
    permissions.require(actor, REVIEW)
    inputs.IMPROVEMENT_RAISE.check(actor, fields.given(
        topic=topic, subject=subject, description=description, support_group=support_group,
        source=source,
    ))  # fmt: skip
    errors: dict[str, list[str]] = {}
    if topic not in ReviewTopic.values:
        errors["topic"] = ["Select a valid choice."]
    subject, description = _text(subject), _text(description)
    if not subject:
        errors["subject"] = ["Say what the improvement is about."]
    elif len(subject) > 200:
        errors["subject"] = ["At most 200 characters."]
    if not description:
        errors["description"] = ["Explain what should be changed."]
    source = _record(EventSource, source, "source", errors)
    chosen = _record(SupportGroup, support_group, "support_group", errors)
    group = _group(chosen, source.support_group if source else None, errors,
                   "Choose the group that will implement the improvement.")  # fmt: skip
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One open request per finding: the review's row shows it until it is resolved.
        # (Two managers raising the same finding at the same moment may both succeed;
        # that costs a duplicate request, which the group closes as such.)
        already = queries.open_improvement(topic, subject)
        if already is not None:
            raise ValidationError(
                {"subject": [f"Already raised as {already.incident.number}, still open."]}
            )
        label = ReviewTopic(topic).label
        incident = _register(actor, title=f"{label}: {subject}", description=description,
                             group=group)  # fmt: skip
        improvement = ImprovementRequest.objects.create(
            topic=topic, subject=subject, incident=incident, raised_by=actor
        )
        notify.record_event(
            record=improvement, event="events.improvement_request.raised", actor=actor,
            data={"topic": topic, "subject": subject, "incident": incident.pk,
                  "number": incident.number, "support_group": group.pk},
        )  # fmt: skip
    return improvement


def _check_finding(finding: str, note: str, follow_up: str, needs_follow_up: bool) -> None:
    errors: dict[str, list[str]] = {}
    if finding not in OutageFinding.values:
        errors["finding"] = ["Select a valid choice."]
    elif finding in NEEDS_NOTE and not note:
        errors["note"] = ["Say why monitoring this is not worth it."]
    elif needs_follow_up and not follow_up:
        errors["follow_up_description"] = ["Explain the correction to request."]
    if errors:
        raise ValidationError(errors)


def _follow_up(actor: Person, incident: IncidentRequest, finding: str, description: str,
               chosen: SupportGroup | None) -> IncidentRequest:  # fmt: skip
    """Proc. 3: the request for a correction of the correlation rules or a monitoring
    job, to the group maintaining the monitoring of the outage's CIs."""
    errors: dict[str, list[str]] = {}
    groups = queries.monitoring_groups(incident)
    group = _group(chosen, groups[0] if len(groups) == 1 else None, errors,
                   "Choose the group that maintains this monitoring.")  # fmt: skip
    if errors:
        raise ValidationError(errors)
    text = f"{description}\n\nFrom the outage review of {incident.number}: {incident.title}"
    return _register(actor, title=f"{FOLLOW_UP_TOPICS[finding]} ({incident.number})",
                     description=text, group=group,
                     cis=list(incident.cis.values_list("pk", flat=True)))  # fmt: skip


def outage_review_record(
    *,
    actor: Person,
    incident_id: int,
    finding: str,
    note: str = "",
    follow_up_description: str = "",
    support_group: SupportGroup | int | None = None,
) -> OutageReview:
    """Seed 003 ch. 6 proc. 3 (Outage Review): the operations manager's finding on one
    high-impact incident request resolved in the period. "Not worth monitoring" needs a
    ``note`` (why); a correlation or monitoring correction registers the follow-up
    request (``follow_up_description``) for the group maintaining the monitoring.

    One review per request: recording again replaces the finding and note (the incident's
    journal keeps each one); a follow-up already registered stays and is not registered
    twice. The finding is the manager's: it is not limited by what the review's hint says
    (an event nearby may have been about something else)."""
    permissions.require(actor, REVIEW)
    inputs.OUTAGE_REVIEW_RECORD.check(actor, fields.given(
        finding=finding, note=note, follow_up_description=follow_up_description,
        support_group=support_group,
    ))  # fmt: skip
    errors: dict[str, list[str]] = {}
    chosen = _record(SupportGroup, support_group, "support_group", errors)
    if errors:
        raise ValidationError(errors)
    note, follow_up = _text(note), _text(follow_up_description)
    incident_for(actor, incident_id)  # 404 for what the manager may not see
    with transaction.atomic():
        incident = transitions.lock(IncidentRequest, incident_id)
        if not queries.is_reviewable(incident):
            raise DomainError("Only high-impact outages (impact 1 or 2) that were resolved "
                              "are reviewed.")  # fmt: skip
        review = OutageReview.objects.filter(incident=incident).first()
        needs = finding in NEEDS_FOLLOW_UP and (review is None or review.follow_up_id is None)
        _check_finding(finding, note, follow_up, needs)
        old = review.get_finding_display() if review else ""
        if review is None:
            review = OutageReview(incident=incident)
        review.finding, review.note, review.reviewed_by = finding, note, actor
        review.reviewed_at = timezone.now()
        if needs:
            review.follow_up = _follow_up(actor, incident, finding, follow_up, chosen)
        review.save()
        text = f"Outage review by {actor.display_name}: {review.get_finding_display()}"
        text += f" (was: {old})." if old else "."
        if note:
            text += f" {note}"
        if needs:
            text += f" Follow-up request {review.follow_up.number}."
        journal.system(incident, text=text, data={"outage_review": review.pk, "finding": finding})
        notify.record_event(
            record=review, event="events.outage_review.recorded", actor=actor,
            data={"incident": incident.pk, "finding": finding,
                  "follow_up": review.follow_up_id},
        )  # fmt: skip
    return review
