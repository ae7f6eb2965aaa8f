"""Seed 003 ch. 10 proc. 1, Request for Change Handling.

A request for change a change coordinator passed to Release Management (``to_release``)
is received here (``handling_receive``: Change Management calls it through
``core.registry``, ``changes.services.rfcs.RFC_RECEIVED``), then reviewed by a release
coordinator of its service (``handling_review``) who answers the seed's conditions and
records the decision ``rules.handling_decision`` gives for them:

- passed back to Change Management when Release Management is not required (a problem
  fix one change coordinator can coordinate, without a functional change or extra
  funding; or a request from Release or Continuity Management);
- else, when the CAB must approve it (anything but a problem fix without a functional
  change): the effort and cost estimated, onto the list of the next CAB meeting (the
  service's backlog release);
- else straight into an open release of the service, without the CAB.

Who: ``releases.release.coordinate`` on the handling's service (a release coordinator
limited to the service counts there)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from steward.changes import workflows as change_workflows
from steward.changes.choices import RfcStatus
from steward.changes.models import RequestForChange
from steward.core import journal, notify, permissions, transitions
from steward.core.edits import lock_to_edit
from steward.core.errors import DomainError, InvalidTransition
from steward.core.fields import given
from steward.core.models import Person
from steward.releases import inputs, rules, workflows
from steward.releases.choices import HandlingStatus, MeetingStatus, ReleaseStatus
from steward.releases.models import CabMeeting, Release, RfcHandling
from steward.releases.rules import HandlingDecision
from steward.releases.services import releases as svc

COORDINATE = svc.COORDINATE
H = HandlingStatus

# The four answers proc. 1 reads, in the seed's order.
CONDITIONS = ("problem_fix", "single_coordinator", "functionality_changes", "extra_funding")
DECISION_TEXT = {
    HandlingDecision.PASS_BACK: "pass it back to Change Management",
    HandlingDecision.CAB: "estimate effort and cost and add it to the next CAB meeting's list",
    HandlingDecision.NO_CAB: "put it into a release without the CAB",
}
DECISION_CHOICES = [(d.value, DECISION_TEXT[d].capitalize()) for d in HandlingDecision]
# The releases a request goes into without the CAB (not the backlog, not in review).
RECEIVING_RELEASE = (ReleaseStatus.REGISTERED, ReleaseStatus.JUSTIFICATION,
                     ReleaseStatus.COORDINATION)  # fmt: skip
REQUIRED = "This field is required."


# --- Receiving --------------------------------------------------------------------------


def handling_receive(rfc: RequestForChange, *, actor: Person | None = None) -> RfcHandling:
    """Proc. 1 starts: a change coordinator passed ``rfc`` to Release Management. Its
    handling is made (``received``, the four conditions as the change coordinator
    answered them) in the caller's transaction; idempotent: the handling already there
    is returned, or received again when the request was passed back and is handed over
    once more. Refuses (409) a request not with Release Management."""
    if rfc.status != RfcStatus.TO_RELEASE:
        raise DomainError(f"{rfc.number} is not with Release Management.")
    with transaction.atomic():
        found = RfcHandling.objects.select_for_update().filter(rfc_id=rfc.pk).first()
        if found is not None:
            if found.status == H.PASSED_BACK:
                _receive_again(found, rfc, actor)
            return found
        handling = RfcHandling(
            rfc=rfc, service_id=rfc.service_id, received_at=timezone.now(),
            **{name: getattr(rfc, name) for name in CONDITIONS},
        )  # fmt: skip
        try:
            with transaction.atomic():
                handling.save()
        except IntegrityError:  # received meanwhile by another transaction
            return RfcHandling.objects.get(rfc_id=rfc.pk)
        journal.created(handling, actor=actor,
                        summary=f"{rfc.number} received from Change Management")  # fmt: skip
        notify.record_event(record=handling, event="releases.rfc_handling.created", actor=actor)
    return handling


def _receive_again(handling: RfcHandling, rfc: RequestForChange, actor: Person | None) -> None:
    """A request passed back earlier and handed over again: reviewed afresh."""
    handling.received_at = timezone.now()
    for name in CONDITIONS:
        setattr(handling, name, getattr(rfc, name))
    handling.cab_required = handling.decided_at = handling.coordinator = None
    handling.decision_note = ""
    transitions.transition(
        handling, H.RECEIVED, actor=actor, workflow=workflows.HANDLING,
        reason="Handed to Release Management again.",
        also=("received_at", *CONDITIONS, "cab_required", "decided_at", "coordinator",
              "decision_note"),
    )  # fmt: skip


def handlings_receive_waiting(*, actor: Person) -> int:
    """The requests for change handed to Release Management before it could receive them
    (``to_release`` without a handling) on the services the actor coordinates releases
    for: received now. Returns how many. A write the release coordinator asks for (the
    queue page's button); reading the queue never writes."""
    waiting = RequestForChange.objects.filter(
        status=RfcStatus.TO_RELEASE, release_handling__isnull=True
    ).select_related("service")
    permissions.require(actor, COORDINATE)
    received = 0
    with transaction.atomic():
        for rfc in waiting.order_by("pk"):
            if permissions.has(actor, COORDINATE, rfc.service):
                handling_receive(rfc, actor=actor)
                received += 1
    return received


def waiting_count() -> int:
    """How many requests handed to Release Management have no handling yet (read only)."""
    return RequestForChange.objects.filter(
        status=RfcStatus.TO_RELEASE, release_handling__isnull=True
    ).count()


# --- Review -----------------------------------------------------------------------------


def decision_for(handling: RfcHandling, answers: dict[str, Any] | None = None) -> HandlingDecision:
    """What proc. 1 decides for the handling's request with ``answers`` (default: the
    handling's own)."""
    values = answers or {name: getattr(handling, name) for name in CONDITIONS}
    return rules.handling_decision(source=handling.rfc.source, **values)


def _answers(values: dict[str, Any]) -> dict[str, bool]:
    bad = {
        name: ["Answer yes or no."] for name, value in values.items() if not isinstance(value, bool)
    }
    if bad:
        raise ValidationError(bad)
    return values


def _effort(value: Any, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({"effort_hours": ["Estimate the implementation effort (hours)."]})
        return None
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"effort_hours": ["Enter a number of hours."]}) from None
    if not hours.is_finite() or hours < 0 or hours >= Decimal("10000000"):
        raise ValidationError({"effort_hours": ["Enter hours from 0 to 9,999,999."]})
    return hours.quantize(Decimal("0.1"))


def _cost(value: Any, *, required: bool) -> Decimal | None:
    if required and value in (None, ""):
        raise ValidationError({"cost": ["Estimate the implementation cost."]})
    return svc.money(value, "cost")


def handling_review(
    *,
    actor: Person,
    handling_id: int,
    decision: str,
    problem_fix: bool,
    single_coordinator: bool,
    functionality_changes: bool,
    extra_funding: bool,
    effort_hours: Any = None,
    cost: Any = None,
    release_id: int | None = None,
    new_release_title: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> RfcHandling:
    """Proc. 1, the release coordinator's review of a request for change: the four
    answers, and the decision ``rules.handling_decision`` gives for them (400 on
    ``decision`` naming the expected one otherwise).

    - ``pass_back``: the request goes back to Change Management (the RFC to
      ``submitted``, with the release coordinator's answers), the reason journaled on
      both, the service's change coordinators told.
    - ``cab``: ``effort_hours`` and ``cost`` required; onto the list of the next CAB
      meeting (the service's backlog release). The CAB members are told later, with the
      finalised list.
    - ``no_cab``: into the open release ``release_id`` of the service, or a new one
      registered with ``new_release_title``.
    """
    if decision not in {d.value for d in HandlingDecision}:
        raise ValidationError({"decision": ["Select a valid choice."]})
    answers = _answers({"problem_fix": problem_fix, "single_coordinator": single_coordinator,
                        "functionality_changes": functionality_changes,
                        "extra_funding": extra_funding})  # fmt: skip
    with transaction.atomic():
        handling = lock_to_edit(actor, COORDINATE, RfcHandling, handling_id, expected_version,
                                related=["rfc", "service"])  # fmt: skip
        inputs.HANDLING_REVIEW.check(actor, given(
            decision=decision, **answers, effort_hours=effort_hours, cost=cost,
            release=release_id, new_release_title=new_release_title, note=note,
        ), handling)  # fmt: skip
        if handling.status != H.RECEIVED:
            raise InvalidTransition(workflows.HANDLING.name, handling.status, decision)
        expected = decision_for(handling, answers)
        if decision != expected:
            chosen = DECISION_TEXT[HandlingDecision(decision)]
            message = f"Procedure 1 says: {DECISION_TEXT[expected]}, not “{chosen}”."
            raise ValidationError({"decision": [message]})
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for name, check in (("effort_hours", _effort), ("cost", _cost)):
            try:
                values[name] = check(
                    effort_hours if name == "effort_hours" else cost,
                    required=expected == HandlingDecision.CAB,
                )
            except ValidationError as refused:
                errors.update(refused.message_dict)
        if errors:
            raise ValidationError(errors)
        for name, value in {**answers, **values}.items():
            setattr(handling, name, value)
        handling.coordinator, handling.decided_at = actor, timezone.now()
        handling.decision_note = (note or "").strip()
        handling.cab_required = (
            None if expected == HandlingDecision.PASS_BACK else expected == HandlingDecision.CAB
        )
        handling.save(update_fields=[*CONDITIONS, "effort_hours", "cost", "coordinator",
                                     "decided_at", "decision_note", "cab_required",
                                     "updated_at"])  # fmt: skip
        if expected == HandlingDecision.PASS_BACK:
            _pass_back(handling, actor)
        elif expected == HandlingDecision.CAB:
            _to_cab_list(handling, actor)
        else:
            _into_release(handling, actor, release_id, new_release_title)
    return handling


def _move(handling: RfcHandling, to: str, actor: Person, *also: str) -> None:
    transitions.transition(
        handling, to, actor=actor, workflow=workflows.HANDLING, reason=handling.decision_note,
        event=f"releases.rfc_handling.{to}", also=also,
    )  # fmt: skip


def _pass_back(handling: RfcHandling, actor: Person) -> None:
    """Release Management is not required: the request goes back to the change
    coordinators of the service (reviewed again by Change Management), with the release
    coordinator's answers so that its rule agrees."""
    rfc = RequestForChange.objects.select_for_update(of=("self",)).get(pk=handling.rfc_id)
    handling.rfc = rfc
    _move(handling, H.PASSED_BACK, actor)
    changes = journal.apply_changes(rfc, {n: getattr(handling, n) for n in CONDITIONS},
                                    list(CONDITIONS))  # fmt: skip
    if changes:
        rfc.save(update_fields=[*changes, "updated_at"])
        journal.field_changes(rfc, actor=actor, changes=changes)
    reason = handling.decision_note or "Release Management is not required."
    transitions.transition(
        rfc, RfcStatus.SUBMITTED, actor=actor, workflow=change_workflows.RFC,
        reason=f"Passed back by Release Management: {reason}",
        event="changes.request_for_change.submitted",
    )  # fmt: skip
    svc.tell(svc.change_coordinators(rfc.service), rfc, "rfc.passed_back",
             "passed back by Release Management", f"{rfc.title}\n\n{reason}",
             actor=actor)  # fmt: skip


def next_meeting_text(service: Any, *, at: Any = None) -> str:
    """Which CAB meeting will review a request added to the list now: the next one
    scheduled (or invited to) whose submission deadline has not passed; after the
    deadline the request waits for the following one."""
    at = at or timezone.now()
    cab = getattr(service, "cab", None) if service.pk else None
    if cab is None:
        return "The service has no CAB yet: it waits on the list until one meets."
    coming = list(
        CabMeeting.objects.filter(
            cab=cab, status__in=(MeetingStatus.SCHEDULED, MeetingStatus.INVITED),
            starts_at__gte=at,
        ).order_by("starts_at", "pk")
    )  # fmt: skip
    if not coming:
        return "No CAB meeting is scheduled yet: it waits on the list for the next one."
    first = coming[0]
    open_ = [m for m in coming if m.submission_deadline >= at]
    if open_ and open_[0] == first:
        return (f"It will be reviewed at {first.number} on {first.starts_at:%Y-%m-%d %H:%M} "
                f"(submissions until {first.submission_deadline:%Y-%m-%d %H:%M}).")  # fmt: skip
    passed = f"The submission deadline of {first.number} has passed"
    if open_:
        return (f"{passed}: it will be reviewed at the following meeting, {open_[0].number} "
                f"on {open_[0].starts_at:%Y-%m-%d %H:%M}.")  # fmt: skip
    return f"{passed}: it waits for the following meeting (none scheduled yet)."


def _to_cab_list(handling: RfcHandling, actor: Person) -> None:
    """CAB approval required: effort and cost estimated, onto the list of the next CAB
    meeting (the backlog release); the CAB members see it on the finalised list."""
    backlog = svc.backlog_release(handling.service)
    handling.release = backlog
    _move(handling, H.CAB_LIST, actor, "release")
    when = next_meeting_text(handling.service)
    rfc = handling.rfc
    journal.system(handling, text=f"Added to the list for the next CAB meeting. {when}")
    journal.system(backlog, text=f"{rfc.number} {rfc.title} added for the next CAB meeting.",
                   data={"rfc": rfc.pk})  # fmt: skip
    journal.system(rfc, text=f"Release Management: waiting for the CAB. {when}")


def _into_release(
    handling: RfcHandling, actor: Person, release_id: int | None, new_title: str
) -> None:
    """No CAB needed (a problem fix without a functional change): into an open release of
    the service, or a new release registered for it."""
    new_title = (new_title or "").strip()
    if release_id in (None, "") and not new_title:
        raise ValidationError({"release": ["Choose a release, or name a new one to register."]})
    if release_id not in (None, "") and new_title:
        raise ValidationError({"new_release_title": ["Choose a release or name a new one, "
                                                     "not both."]})  # fmt: skip
    if new_title:
        release = svc.release_register(actor=actor, title=new_title,
                                       service_id=handling.service_id)  # fmt: skip
    else:
        try:
            release = (Release.objects.select_for_update(of=("self",))
                       .filter(pk=svc.pk_of(release_id)).first())  # fmt: skip
        except (ValueError, TypeError):
            release = None
        if release is None:
            raise ValidationError({"release": ["No release with this id here."]})
        if release.is_backlog or release.status not in RECEIVING_RELEASE:
            raise ValidationError({"release": ["Choose an open release (registered, in "
                                               "justification or coordination)."]})  # fmt: skip
    svc.put_in_release(handling, release, actor=actor)
    journal.system(handling.rfc, text=f"Release Management: in release {release.number}.")


def open_releases(service: Any) -> Any:
    """The releases of ``service`` a request can go into without the CAB."""
    return Release.objects.filter(
        service=service, is_backlog=False, status__in=RECEIVING_RELEASE
    ).order_by("-number")


__all__ = [
    "CONDITIONS",
    "DECISION_CHOICES",
    "decision_for",
    "handling_receive",
    "handling_review",
    "handlings_receive_waiting",
    "next_meeting_text",
    "open_releases",
]
