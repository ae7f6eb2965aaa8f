"""Links between incident requests, and merging duplicates (seed 003 ch. 8 proc. 1: the
desk checks whether the incident was already reported; proc. 6: a duplicate is withdrawn).

A link is kept both ways (``IncidentLink`` rows on each request: "related to" / "related
to", "duplicate of" / "has duplicate") and journalled on both.

Merging, as Jira Service Management and Zammad do it: the duplicate is **cancelled as a
duplicate** of the target (resolution code "Duplicate", its clocks stop measuring), its
requester gets a public line naming the request that continues (its number only: it may be
another customer's request), and the two are linked
"duplicate of" / "has duplicate". Nothing is moved or copied except one internal note on
the target naming the duplicate, its requester and its description, so the people
working the target see who else is affected; the duplicate's own notes and attachments
stay on it (one click away through the link), which keeps each journal true to what
happened on that request and each attachment under the access rules of its own request.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from steward.core import journal, permissions, transitions, versioning
from steward.core.errors import DomainError
from steward.core.ids import parse_id
from steward.core.models import Person
from steward.incidents.choices import OPEN_STATUSES, ResolutionCode
from steward.incidents.choices import IncidentStatus as S
from steward.incidents.models import IncidentLink, IncidentRequest
from steward.incidents.queries.incidents import incident_for
from steward.incidents.services.common import CLOSE, _tell, _transition, _work_note
from steward.incidents.services.people import require_work
from steward.incidents.services.tracking import _cancel_clocks

RELATED = "related to"
DUPLICATE_OF = "duplicate of"
HAS_DUPLICATE = "has duplicate"
INVERSE = {RELATED: RELATED, DUPLICATE_OF: HAS_DUPLICATE, HAS_DUPLICATE: DUPLICATE_OF}
# What a person may ask for when linking (the API's and the page's choices).
KINDS = {"related": RELATED, "duplicate": DUPLICATE_OF}


def _lock_pair(first_id: Any, second_id: Any) -> tuple[IncidentRequest, IncidentRequest]:
    """Both rows locked, the lower id first, so two merges of the same pair never deadlock."""
    a, b = parse_id(first_id), parse_id(second_id)
    if a is None or b is None:
        raise Http404("No such request.")
    if a == b:
        raise ValidationError({"into": ["A request cannot be linked to itself."]})
    locked = {pk: transitions.lock(IncidentRequest, pk) for pk in sorted((a, b))}
    return locked[a], locked[b]


def _visible(actor: Person, pk: Any) -> IncidentRequest:
    """The request ``pk`` if the actor may see it (404 otherwise, also for a malformed id)."""
    number = parse_id(pk)
    if number is None:
        raise Http404("No such request.")
    return incident_for(actor, number)


def _incident_type() -> ContentType:
    return ContentType.objects.get_for_model(IncidentRequest)


def _link_rows(incident: IncidentRequest, other: IncidentRequest, relation: str) -> bool:
    """Both rows of a link; False when the pair was linked already (its relation kept)."""
    ct = _incident_type()
    if IncidentLink.objects.filter(incident=incident, record_type=ct, record_id=other.pk).exists():
        return False
    for one, two, rel in ((incident, other, relation), (other, incident, INVERSE[relation])):
        IncidentLink.objects.create(
            incident=one, record_type=ct, record_id=two.pk, relation=rel, created_by=None
        )
    return True


def duplicate_target(incident: IncidentRequest) -> int | None:
    """The id of the request ``incident`` is a duplicate of, if any."""
    return (
        IncidentLink.objects.filter(
            incident=incident, record_type=_incident_type(), relation=DUPLICATE_OF
        )
        .values_list("record_id", flat=True)
        .first()
    )


def incident_link(
    *, actor: Person, incident_id: Any, other_id: Any, kind: str = "related"
) -> IncidentLink:
    """Link two requests ("related" or "duplicate": this one is a duplicate of the other),
    both ways, journalled on both. The actor works on this request and sees the other."""
    if kind not in KINDS:
        raise ValidationError({"kind": ["Choose one of: " + ", ".join(KINDS) + "."]})
    _visible(actor, other_id)  # 404 for a request the actor may not see
    with transaction.atomic():
        incident, other = _lock_pair(incident_id, other_id)
        require_work(actor, incident)
        relation = KINDS[kind]
        if not _link_rows(incident, other, relation):
            raise DomainError(f"{incident.number} and {other.number} are linked already.")
        for one, two, rel in ((incident, other, relation), (other, incident, INVERSE[relation])):
            journal.system(
                one,
                text=f"{actor} linked it: {rel} {two.number} {two.title}",
                data={"link": two.pk, "relation": rel},
            )
            versioning.touch(one)
        return IncidentLink.objects.get(
            incident=incident, record_type=_incident_type(), record_id=other.pk
        )


def incident_unlink(*, actor: Person, incident_id: Any, other_id: Any) -> None:
    """Remove the link between two requests (both rows), journalled on both. A merge's
    link is kept: it is how the cancelled duplicate points to where it continues."""
    _visible(actor, other_id)
    with transaction.atomic():
        incident, other = _lock_pair(incident_id, other_id)
        require_work(actor, incident)
        ct = _incident_type()
        rows = IncidentLink.objects.filter(
            incident__in=(incident, other), record_type=ct, record_id__in=(incident.pk, other.pk)
        )
        found = list(rows)
        if not found:
            raise DomainError(f"{incident.number} and {other.number} are not linked.")
        merged = any(
            link.relation in (DUPLICATE_OF, HAS_DUPLICATE) for link in found
        ) and S.CANCELLED in (incident.status, other.status)
        if merged:
            raise DomainError("A merged duplicate stays linked to the request it was merged into.")
        rows.delete()
        for one, two in ((incident, other), (other, incident)):
            journal.system(one, text=f"{actor} removed the link to {two.number}.")
            versioning.touch(one)


def _check_merge(actor: Person, duplicate: IncidentRequest, target: IncidentRequest) -> None:
    permissions.require(actor, CLOSE, duplicate)  # the duplicate is cancelled
    require_work(actor, target)
    errors: dict[str, list[str]] = {}
    if duplicate.status not in OPEN_STATUSES:
        errors["duplicate"] = [
            f"{duplicate.number} is {duplicate.get_status_display().lower()}: "
            "only an open request can be merged."
        ]
    if target.status == S.CANCELLED:
        errors["into"] = [f"{target.number} is cancelled: merge into the request that continues."]
    further = duplicate_target(target)
    if further is not None:
        number = IncidentRequest.objects.filter(pk=further).values_list("number", flat=True)
        errors["into"] = [f"{target.number} is itself a duplicate of {number.first()}."]
    if errors:
        raise ValidationError(errors)


def incident_merge(
    *,
    actor: Person,
    duplicate_id: Any,
    into_id: Any,
    note: str = "",
    expected_version: int | None = None,
) -> IncidentRequest:
    """Merge a duplicate into the request that continues (the service desk, who may cancel
    requests, and who works on the target): the duplicate is cancelled as a duplicate with
    a public line to its requester, both are linked and journalled. Returns the target."""
    _visible(actor, into_id)  # 404 for a target the actor may not see
    with transaction.atomic():
        duplicate, target = _lock_pair(duplicate_id, into_id)
        versioning.check(duplicate, expected_version)
        _check_merge(actor, duplicate, target)
        # Only the number: the target may be another customer's request, whose title
        # this requester must not read.
        line = f"Merged into {target.number}: the same issue, which we continue to work on there."
        duplicate.resolution_code = ResolutionCode.DUPLICATE
        duplicate.closed_at = timezone.now()
        _transition(
            duplicate, S.CANCELLED, actor, line, public=True,
            also=["resolution_code", "closed_at"], event="incidents.incident_request.cancelled",
            data={"merged_into": target.pk},
        )  # fmt: skip
        _cancel_clocks(duplicate, actor, f"merged into {target.number}")
        _link_rows(duplicate, target, DUPLICATE_OF)
        _work_note(actor, duplicate, note)
        requester = duplicate.requester
        journal.system(
            target,
            text=(
                f"{actor} merged {duplicate.number} into this request (requester "
                f"{requester.display_name}): {duplicate.title}"
            ),
            data={"merged": duplicate.pk, "requester": requester.pk},
        )
        details = (duplicate.description or "").strip()
        _work_note(
            actor,
            target,
            f"Duplicate {duplicate.number} from {requester.display_name}: {duplicate.title}"
            + (f"\n\n{details}" if details else ""),
        )
        versioning.touch(target)
        _tell([requester], duplicate, "incident.merged", f"Continued in {target.number}", line)
    return target
