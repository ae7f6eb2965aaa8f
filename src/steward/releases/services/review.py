"""Seed 003 ch. 10 proc. 4, the end of Release Coordination: the release completed (each
request for change fulfilled or not; unmet ones of a CAB-defined release back to the
backlog, ``rules.back_to_backlog``; requesters, CAB members and business case approvers
told, ``rules.who_to_tell``), the post-implementation review (``release_review``,
``release_publish_review``: a service owner of the service must attend, 400 otherwise;
change coordinators of the release's changes who did not attend are named in the
journal) and ``release_close``.

Who: ``releases.release.coordinate`` on the release's service."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, transitions
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person
from steward.releases import inputs, rules, workflows
from steward.releases.choices import (
    BusinessCaseStatus,
    HandlingStatus,
    PlanItemStatus,
    ReleaseStatus,
)
from steward.releases.models import BusinessCase, Release, RfcHandling
from steward.releases.services import releases as svc
from steward.releases.services.coordination import (
    clean_ids,
    clean_text,
    lock_release,
    progress,
    require_coordinating,
)
from steward.service_level.models import Service

P, S = PlanItemStatus, ReleaseStatus

# --- Proc. 4: the release completed ---------------------------------------------------------


def _approvers(release: Release) -> list[Person]:
    cases = BusinessCase.objects.filter(release=release, status=BusinessCaseStatus.APPROVED)
    return [c.decided_by for c in cases.select_related("decided_by") if c.decided_by_id]


def release_complete(
    *,
    actor: Person,
    release_id: int,
    fulfilled_rfc_ids: Any = (),
    note: str = "",
    expected_version: int | None = None,
) -> Release:
    """Proc. 4: after the last change of the release the release coordinator makes sure
    the requesters are told whether their requirements were fulfilled; the requests for
    change of a CAB-defined release whose requirements were not fully met go back to the
    backlog release; the CAB members (a CAB-defined release) and the approvers of its
    business case (when one had to be prepared) are told. The release moves on to its
    post-implementation review."""
    fulfilled_ids = set(clean_ids(fulfilled_rfc_ids, "fulfilled_rfcs"))
    with transaction.atomic():
        release = lock_release(actor, release_id, expected_version)
        inputs.RELEASE_COMPLETE.check(actor, given(note=note), release)
        require_coordinating(release)
        counts = progress(release)
        if counts["planned"] or counts["requested"]:
            waiting = counts["planned"] + counts["requested"]
            raise DomainError(f"{waiting} change{'s are' if waiting != 1 else ' is'} still "
                              "planned or under way.")  # fmt: skip
        if not counts["done"]:
            raise DomainError("No change of the release has been implemented yet.")
        handlings = list(
            RfcHandling.objects.select_for_update(of=("self",))
            .filter(release=release, status=HandlingStatus.IN_RELEASE)
            .select_related("rfc", "rfc__requested_by", "service")
            .order_by("pk")
        )
        if fulfilled_ids - {h.rfc_id for h in handlings}:
            raise ValidationError(
                {"fulfilled_rfcs": ["Choose requests for change of this release."]}
            )
        met = [h for h in handlings if h.rfc_id in fulfilled_ids]
        unmet = [h for h in handlings if h.rfc_id not in fulfilled_ids]
        backlog = rules.back_to_backlog(cab_defined=release.cab_defined, requirements_met=False)
        for handling in met:
            handling.outcome_note = f"Fulfilled by {release.number}."
            transitions.transition(
                handling, HandlingStatus.FULFILLED, actor=actor, workflow=workflows.HANDLING,
                event="releases.rfc_handling.fulfilled", also=("outcome_note",),
            )  # fmt: skip
        if backlog and unmet:
            for handling in unmet:
                handling.outcome_note = f"Not fully met by {release.number}: back to the CAB."
                handling.save(update_fields=["outcome_note"])
            svc.return_to_backlog(unmet, actor=actor,
                                  reason=f"Not fully met by {release.number}.")  # fmt: skip
        else:
            for handling in unmet:
                handling.outcome_note = f"Not met by {release.number}."
                transitions.transition(
                    handling, HandlingStatus.UNMET, actor=actor, workflow=workflows.HANDLING,
                    event="releases.rfc_handling.unmet", also=("outcome_note",),
                )  # fmt: skip
        _tell_outcome(actor, release, met, unmet, backlog)
        release.completion_note = clean_text(note)
        transitions.transition(
            release, S.REVIEW, actor=actor, workflow=workflows.RELEASE, reason=release.completion_note,
            event="releases.release.review", also=("completion_note",),
        )  # fmt: skip
    return release


def told_after_completion(release: Release) -> dict[str, list[Person]]:
    """Who ``release_complete`` tells besides the requesters (``rules.who_to_tell``)."""
    approvers = _approvers(release)
    groups = rules.who_to_tell(cab_defined=release.cab_defined, business_case=bool(approvers))
    return {
        "cab_members": svc.cab_members(release.service) if "cab_members" in groups else [],
        "business_case_approvers": approvers if "business_case_approvers" in groups else [],
    }


def _tell_outcome(actor: Person, release: Release, met: list[RfcHandling],
                  unmet: list[RfcHandling], backlog: bool) -> None:  # fmt: skip
    for handling in met:
        svc.tell([handling.rfc.requested_by], handling.rfc, "release.requirements_met",
                 f"Your requirements were fulfilled by {release.number}",
                 f"{release.number} {release.title} fulfilled the requirements of "
                 f"{handling.rfc.number} {handling.rfc.title}.", actor=actor)  # fmt: skip
    for handling in unmet:
        more = " It goes back to the CAB for its next meeting." if backlog else ""
        svc.tell([handling.rfc.requested_by], handling.rfc, "release.requirements_unmet",
                 f"Your requirements were not (fully) met by {release.number}",
                 f"{release.number} {release.title} did not fully meet the requirements of "
                 f"{handling.rfc.number} {handling.rfc.title}.{more}", actor=actor)  # fmt: skip
    summary = (f"{len(met)} of {len(met) + len(unmet)} requests for change fulfilled"
               + (f"; {len(unmet)} back to the backlog for the next CAB meeting." if backlog
                  and unmet else "."))  # fmt: skip
    others = told_after_completion(release)
    svc.tell(others["cab_members"], release, "release.completed_cab",
             f"The changes of {release.number} are done", summary, actor=actor)  # fmt: skip
    svc.tell(others["business_case_approvers"], release, "release.completed_business_case",
             f"The changes of {release.number} are done",
             f"{summary} You approved its business case.", actor=actor)  # fmt: skip
    journal.system(release, text=f"Completed: {summary}",
                   data={"fulfilled": [h.rfc_id for h in met],
                         "unmet": [h.rfc_id for h in unmet]})  # fmt: skip


# --- Proc. 4: the post-implementation review ----------------------------------------------


def owners(service: Service) -> list[Person]:
    """The service owner(s): the service's owner and holders of the role for it."""
    people = svc.service_owners(service)
    owner = getattr(service, "owner", None)
    if owner is not None and owner.is_active and owner not in people:
        people.insert(0, owner)
    return people


def release_change_coordinators(release: Release) -> list[Person]:
    """The change coordinators who coordinated one or more of the release's changes."""
    items = release.plan_items.exclude(status__in=(P.PLANNED, P.CANCELLED)).exclude(
        change_coordinator=None
    )
    return list(Person.objects.filter(pk__in=items.values("change_coordinator_id")).order_by("pk"))


def release_review(
    *,
    actor: Person,
    release_id: int,
    held_at: Any,
    attendee_ids: Any,
    improvement_suggestions: str = "",
    decisions: str = "",
    expected_version: int | None = None,
) -> Release:
    """Proc. 4: the release coordinator organises and conducts the post-implementation
    meeting, reviewing the release's whole lifecycle with the service owner and the change
    coordinators of its changes; the improvement suggestions and decisions agreed are
    recorded (and may be corrected until they are published). A service owner of the
    service must attend (400); change coordinators who did not are named in the journal."""
    suggestions, agreed = clean_text(improvement_suggestions), clean_text(decisions)
    if held_at in (None, ""):
        raise ValidationError({"held_at": ["When was the meeting held?"]})
    if not isinstance(held_at, dt.datetime):
        raise ValidationError({"held_at": ["Enter a date and time."]})
    if held_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"held_at": ["Record the meeting after it is held."]})
    if not (suggestions or agreed):
        raise ValidationError(
            {"decisions": ["Record the improvement suggestions or the decisions agreed."]}
        )
    ids = clean_ids(attendee_ids, "attendees")
    with transaction.atomic():
        release = lock_release(actor, release_id, expected_version)
        inputs.RELEASE_REVIEW.check(actor, given(improvement_suggestions=improvement_suggestions,
                                                 decisions=decisions), release)  # fmt: skip
        if release.status != S.REVIEW:
            raise DomainError(f"{release.number} is {release.get_status_display().lower()}: "
                              "the review follows the release's last change.")  # fmt: skip
        if release.review_published_at:
            raise DomainError("The review is published: it no longer changes.")
        attendees = list(Person.objects.filter(pk__in=ids, is_active=True))
        if len(attendees) != len(ids) or not attendees:
            raise ValidationError({"attendees": ["Choose the people who attended."]})
        service_owners = owners(release.service)
        if not set(service_owners) & set(attendees):
            who = ", ".join(str(p) for p in service_owners) or "none is recorded"
            raise ValidationError({"attendees": [
                f"The service owner of {release.service.name} attends the review ({who})."]})  # fmt: skip
        absent = [p for p in release_change_coordinators(release) if p not in attendees]
        release.review_held_at = held_at
        release.improvement_suggestions, release.review_decisions = suggestions, agreed
        release.save()
        release.review_attendees.set(attendees)
        text = f"{actor} recorded the post-implementation review ({len(attendees)} attended)."
        if absent:
            text += " Change coordinators not attending: " + ", ".join(map(str, absent)) + "."
        journal.system(release, text=text, data={"attendees": [p.pk for p in attendees]})
    return release


def release_publish_review(
    *, actor: Person, release_id: int, expected_version: int | None = None
) -> Release:
    """Proc. 4: after the meeting the release coordinator publishes the improvement
    suggestions and decisions the attendees agreed on: the service owner, the change
    coordinators of the release's changes and (a CAB-defined release) the CAB members are
    told."""
    with transaction.atomic():
        release = lock_release(actor, release_id, expected_version)
        if release.status != S.REVIEW:
            raise DomainError(f"{release.number} is {release.get_status_display().lower()}.")
        if release.review_held_at is None:
            raise DomainError("Record the post-implementation review first.")
        if release.review_published_at is not None:
            raise DomainError("The review is published already.")
        release.review_published_at = timezone.now()
        release.save()
        people = [*owners(release.service), *release_change_coordinators(release),
                  *release.review_attendees.all()]  # fmt: skip
        if release.cab_defined:
            people += svc.cab_members(release.service)
        body = "\n\n".join(
            part for part in (
                f"Improvement suggestions:\n{release.improvement_suggestions}"
                if release.improvement_suggestions else "",
                f"Decisions:\n{release.review_decisions}" if release.review_decisions else "",
            ) if part
        )  # fmt: skip
        svc.tell(people, release, "release.review_published",
                 f"The post-implementation review of {release.title} is published", body,
                 actor=actor)  # fmt: skip
        journal.system(release, text=f"{actor} published the post-implementation review.")
    return release


def release_close(
    *, actor: Person, release_id: int, expected_version: int | None = None
) -> Release:
    """Proc. 4's end: having published the review, the release coordinator closes the
    release."""
    with transaction.atomic():
        release = lock_release(actor, release_id, expected_version)
        if release.status == S.REVIEW and release.review_published_at is None:
            raise DomainError("Publish the post-implementation review before closing.")
        release.closed_at = timezone.now()
        transitions.transition(
            release, S.CLOSED, actor=actor, workflow=workflows.RELEASE,
            event="releases.release.closed", also=("closed_at",),
        )  # fmt: skip
    return release


# --- Reads for the pages -----------------------------------------------------------------


def complete_possible(release: Release) -> bool:
    counts = progress(release)
    return bool(counts["done"]) and not (counts["planned"] or counts["requested"])
