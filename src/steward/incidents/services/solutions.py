"""Solutions for general use (seed 003 ch. 8; IRP SG2-SG3): proposed by the specialist or
service desk analyst who resolved a request (procedures 4 and 6), activated (after editing)
or rejected by the group coordinator of the solution's group (procedure 7), used on later
requests (the use is recorded on the request), retired when no longer valid.

Status changes follow ``workflows.SOLUTION`` under the row lock; the right to decide is
``incidents.solution.approve`` held for the solution's support group (a group coordinator
limited to that group) or everywhere (system administrators).
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from steward.core import journal, notify, numbering, permissions, transitions, versioning
from steward.core.choices import Role
from steward.core.edits import reject_unknown
from steward.core.errors import InvalidTransition
from steward.core.models import Person, SupportGroup
from steward.incidents import search, workflows
from steward.incidents.choices import SolutionStatus
from steward.incidents.models import Category, IncidentRequest, Solution, SolutionUse

PROPOSE = "incidents.solution.propose"
APPROVE = "incidents.solution.approve"
WORK = "incidents.incident.work"
S = SolutionStatus

TEXT_FIELDS = ("title", "symptoms", "body")
EDITABLE_FIELDS = ("title", "symptoms", "body", "is_workaround", "service", "ci_class", "category")
TITLE_MAX = Solution._meta.get_field("title").max_length


def _clean_text(solution: Solution) -> None:
    """Title and body are required; the texts are stored trimmed."""
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        value = getattr(solution, name)
        setattr(solution, name, (value or "").strip())
    if not solution.title:
        errors["title"] = ["Give the solution a title."]
    elif len(solution.title) > TITLE_MAX:
        errors["title"] = [f"Keep the title within {TITLE_MAX} characters."]
    if not solution.body:
        errors["body"] = ["Describe how to resolve it."]
    if solution.category_id and not solution.category.is_active:
        errors["category"] = [f"{solution.category} is no longer in use."]
    if errors:
        raise ValidationError(errors)


def coordinators(group: SupportGroup | None) -> list[Person]:
    """Who decides on a solution of ``group`` (procedure 7): the group coordinators limited
    to the group; when it has none (or there is no group), those holding the role everywhere."""
    people = Person.objects.filter(is_active=True, role_assignments__role=Role.GROUP_COORDINATOR)
    if group is not None:
        ct = ContentType.objects.get_for_model(SupportGroup, for_concrete_model=True)
        scoped = list(
            people.filter(
                role_assignments__scope_type=ct, role_assignments__scope_id=group.pk
            ).distinct()
        )
        if scoped:
            return scoped
    return list(people.filter(role_assignments__scope_type__isnull=True).distinct())


def _require_approver(actor: Person, solution: Solution) -> None:
    if not permissions.has(actor, APPROVE, solution.support_group or solution):
        group = solution.support_group
        raise PermissionDenied(
            f"Only the group coordinator of {group} decides on this solution."
            if group
            else "Only a group coordinator decides on this solution."
        )


def _locked(solution_id: int) -> Solution:
    return (
        Solution.objects.select_for_update(of=("self",))
        .select_related("support_group", "proposed_by", "category")
        .get(pk=solution_id)
    )


def _tell_proposer(solution: Solution, *, actor: Person, event: str, title: str, body: str) -> None:
    if solution.proposed_by_id and solution.proposed_by_id != actor.pk:
        notify.send(
            recipients=[solution.proposed_by], event=event, title=title, body=body, record=solution
        )


def _ask_coordinators(solution: Solution, *, actor: Person) -> None:
    notify.send(
        recipients=[p for p in coordinators(solution.support_group) if p.pk != actor.pk],
        event="incidents.solution.proposed",
        title=f"Solution {solution.number} waits for your approval: {solution.title}",
        body=(
            f"{actor.display_name} proposed a solution for general use"
            + (f" (from {solution.from_incident.number})" if solution.from_incident_id else "")
            + ". Review it, improve it if needed, and activate or reject it."
        ),
        record=solution,
    )


def solution_propose(
    *,
    actor: Person,
    title: str,
    body: str,
    symptoms: str = "",
    is_workaround: bool = False,
    service: Any = None,
    ci_class: Any = None,
    category: Category | None = None,
    from_incident: IncidentRequest | None = None,
    support_group: SupportGroup | None = None,
) -> Solution:
    """Propose a solution for general use (procedures 4 and 6). The group coordinator of
    ``support_group`` (default: the group of ``from_incident``) is asked to approve it
    (procedure 7). Service and category default to those of ``from_incident``."""
    permissions.require(actor, PROPOSE)
    if from_incident is not None:
        service = service if service is not None else from_incident.service
        category = category if category is not None else from_incident.category
        support_group = support_group if support_group is not None else from_incident.support_group
    if support_group is None:
        raise ValidationError(
            {"support_group": ["Choose the group whose coordinator approves the solution."]}
        )
    if not support_group.is_active:
        raise ValidationError({"support_group": [f"{support_group} is no longer active."]})
    with transaction.atomic():
        solution = Solution(
            title=title,
            symptoms=symptoms,
            body=body,
            is_workaround=bool(is_workaround),
            status=S.PROPOSED,
            service=service,
            ci_class=ci_class,
            category=category,
            support_group=support_group,
            proposed_by=actor,
            from_incident=from_incident,
        )
        _clean_text(solution)
        numbering.assign(solution)
        solution.save()
        journal.created(solution, actor=actor)
        if from_incident is not None:
            journal.system(
                from_incident,
                text=f"{actor.display_name} proposed solution {solution.number} for general use.",
                data={"solution": solution.pk},
            )
        _ask_coordinators(solution, actor=actor)
        notify.record_event(record=solution, event="incidents.solution.proposed", actor=actor)
    return solution


def _apply_edits(solution: Solution, data: dict[str, Any], *, actor: Person) -> bool:
    changes = journal.apply_changes(solution, data, EDITABLE_FIELDS)
    if not changes:
        return False
    _clean_text(solution)
    # The journal shows the trimmed values that were saved.
    changes = {name: (old, getattr(solution, name)) for name, (old, _) in changes.items()}
    journal.field_changes(solution, actor=actor, changes=changes)
    return True


def _decide(solution: Solution, new: str, *, actor: Person, note: str = "") -> None:
    """Procedure 7's decision through ``core.transitions``, saved with the edits made
    before it (``_apply_edits``)."""
    solution.decided_by = actor
    solution.decided_at = timezone.now()
    solution.decision_note = note
    transitions.transition(
        solution, new, actor=actor, workflow=workflows.SOLUTION, reason=note,
        also=[*EDITABLE_FIELDS, "decided_by", "decided_at", "decision_note"],
        event=f"incidents.solution.{new}",
    )  # fmt: skip


def solution_activate(
    *, actor: Person, solution_id: int, data: dict[str, Any] | None = None, note: str = ""
) -> Solution:
    """Procedure 7: the group coordinator activates a proposed solution, after improving
    its information when needed (``data``: title, symptoms, body, is_workaround, service,
    ci_class, category; each change is journalled). It is then available for general use."""
    data = dict(data or {})
    reject_unknown(data, EDITABLE_FIELDS)
    with transaction.atomic():
        solution = _locked(solution_id)
        _require_approver(actor, solution)
        if solution.status != S.PROPOSED:  # a retired one is reactivated, not activated
            raise InvalidTransition(workflows.SOLUTION.name, str(solution.status), S.ACTIVE)
        _apply_edits(solution, data, actor=actor)
        _decide(solution, S.ACTIVE, actor=actor, note=note.strip())
        _tell_proposer(
            solution,
            actor=actor,
            event="incidents.solution.activated",
            title=f"Your solution {solution.number} is available for general use",
            body=f"{actor.display_name} activated it.",
        )
    return solution


def solution_reject(*, actor: Person, solution_id: int, note: str) -> Solution:
    """Procedure 7: the group coordinator decides the proposal brings no benefit, so it does
    not become available for general use; the proposer is told why."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Say why the solution is not for general use."]})
    with transaction.atomic():
        solution = _locked(solution_id)
        _require_approver(actor, solution)
        _decide(solution, S.REJECTED, actor=actor, note=note)
        _tell_proposer(
            solution,
            actor=actor,
            event="incidents.solution.rejected",
            title=f"Your solution {solution.number} was not accepted for general use",
            body=note,
        )
    return solution


def solution_retire(*, actor: Person, solution_id: int, note: str = "") -> Solution:
    """Take an active solution out of general use (it no longer applies); its past uses
    stay on the requests."""
    with transaction.atomic():
        solution = _locked(solution_id)
        _require_approver(actor, solution)
        _decide(solution, S.RETIRED, actor=actor, note=(note or "").strip())
    return solution


def solution_reactivate(*, actor: Person, solution_id: int, note: str = "") -> Solution:
    """Put a retired solution back into general use."""
    with transaction.atomic():
        solution = _locked(solution_id)
        _require_approver(actor, solution)
        if solution.status != S.RETIRED:  # a proposal is activated (procedure 7)
            raise InvalidTransition(workflows.SOLUTION.name, str(solution.status), S.ACTIVE)
        _decide(solution, S.ACTIVE, actor=actor, note=(note or "").strip())
    return solution


def solution_update(
    *, actor: Person, solution_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Solution:
    """Improve a solution's information. The group coordinator may at any time; the proposer
    while it is proposed or rejected. Each change is journalled; nothing changes, nothing
    is written."""
    data = dict(data)
    reject_unknown(data, EDITABLE_FIELDS)
    with transaction.atomic():
        solution = _locked(solution_id)
        is_proposer = solution.proposed_by_id == actor.pk and solution.status in (
            S.PROPOSED,
            S.REJECTED,
        )
        if not is_proposer:
            _require_approver(actor, solution)
        versioning.check(solution, expected_version)
        if _apply_edits(solution, data, actor=actor):
            solution.save()
    return solution


def solution_resubmit(*, actor: Person, solution_id: int) -> Solution:
    """Propose a rejected solution again (after improving it); its group coordinator is
    asked again."""
    with transaction.atomic():
        solution = _locked(solution_id)
        if solution.proposed_by_id != actor.pk:
            _require_approver(actor, solution)
        permissions.require(actor, PROPOSE)
        solution.decided_by, solution.decided_at, solution.decision_note = None, None, ""
        transitions.transition(
            solution, S.PROPOSED, actor=actor, workflow=workflows.SOLUTION,
            also=["decided_by", "decided_at", "decision_note"],
            event="incidents.solution.proposed",
        )  # fmt: skip
        _ask_coordinators(solution, actor=actor)
    return solution


def require_usable(solution: Solution) -> None:
    """IRP SG2: only an active solution is used on a request (a proposal is not approved
    yet; a rejected or retired one is not valid). The one check for ``solution_use`` and
    resolving with a solution (``incident_resolve``)."""
    if solution.status != S.ACTIVE:
        raise ValidationError(
            {"solution": [f"{solution.number} is not available for general use."]}
        )


def _may_use_on(actor: Person, incident: IncidentRequest) -> bool:
    """People working the request, or its requester (the portal's list of workarounds)."""
    return permissions.has(actor, WORK, incident) or (
        incident.requester_id == actor.pk and permissions.has(actor, "incidents.incident.view")
    )


def solution_use(*, actor: Person, solution_id: int, incident_id: int) -> SolutionUse:
    """Use an active solution on an incident request (IRP SG2: a known workaround selected
    for the incident): the use is recorded once per request, counted on the solution, and
    the request names the solution (journalled on the request)."""
    with transaction.atomic():
        incident = (
            IncidentRequest.objects.select_for_update(of=("self",))
            .select_related("solution", "support_group", "service", "customer")
            .get(pk=incident_id)
        )
        if not _may_use_on(actor, incident):
            raise PermissionDenied("You may not work on this incident request.")
        solution = _locked(solution_id)
        require_usable(solution)
        use, created = SolutionUse.objects.get_or_create(
            solution=solution, incident=incident, defaults={"used_by": actor}
        )
        if created:
            Solution.objects.filter(pk=solution.pk).update(use_count=F("use_count") + 1)
        if incident.solution_id != solution.pk:
            old = incident.solution
            incident.solution = solution
            incident.save(update_fields=["solution", "updated_at"])
            search.refresh_documents(incident)
            journal.field_changes(
                incident,
                actor=actor,
                changes={"solution": (old, f"{solution.number} {solution.title}")},
            )
        elif not created:
            return use
        notify.record_event(
            record=incident,
            event="incidents.incident_request.solution_used",
            actor=actor,
            data={"solution": solution.pk, "number": solution.number},
        )
    return use
