"""Seed 003 ch. 9 proc. 3, Analysis Review: the problem coordinator reviews the
specialist's root cause analysis (``problem_review``) and sends the problem back for a
better analysis, on to closure, to a specialist to fix it, or (Change Management really
needed) raises a known error that goes to the change coordinator of the service as a
request for change. A known error's workaround is published as a known workaround
(``incidents.Solution``, ``is_workaround``), which registration suggests beside the
knowledge solutions and whose uses it counts.

Who: ``problems.problem.coordinate`` on the problem's (or known error's) service."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, notify, numbering, transitions
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person
from steward.incidents import workflows as incident_workflows
from steward.incidents.choices import SolutionStatus
from steward.incidents.models import Solution
from steward.problems import inputs, rules, workflows
from steward.problems.choices import (
    OPEN_KNOWN_ERROR_STATUSES,
    AnalysisOutcome,
    KnownErrorStatus,
    ProblemStatus,
    ReviewDecision,
)
from steward.problems.models import KnownError, ProblemInvestigation
from steward.problems.services.problems import COORDINATE, _group, assign, check_specialist, tell

# The three conditions of "is Change Management really needed" (proc. 3), as asked.
QUESTIONS = {
    "unavailable_in_service_hours": "Will a service become unavailable or degraded during "
    "its service hours?",
    "functionality_changes": "Will the functionality of a service become different?",
    "cmdb_update": "Will the CMDB require an update?",
}
REVIEW_FIELDS = [*QUESTIONS, "review_decision", "reviewed_at"]
KNOWN_ERROR_FIELDS = ("workaround", "workaround_steps")
TITLE_MAX = 200


def _answers_missing(answers: Mapping[str, bool | None]) -> dict[str, list[str]]:
    return {
        name: ["Answer this for a proposed solution: not answered is not no."]
        for name, value in answers.items()
        if value is None
    }


def _decide(problem: ProblemInvestigation, acceptable: bool,
            answers: Mapping[str, bool | None]) -> ReviewDecision:  # fmt: skip
    """The rule's decision, with the questions it needs answered first (400)."""
    outcome = problem.analysis_outcome
    if acceptable and outcome == AnalysisOutcome.PROPOSED:
        missing = _answers_missing(answers)
        if missing:
            raise ValidationError(missing)
    needs = (
        rules.needs_change_management(**answers)
        if acceptable and outcome == AnalysisOutcome.PROPOSED
        else None
    )
    if acceptable and outcome not in AnalysisOutcome.values:
        raise DomainError(f"{problem.number} has no analysis outcome to review.")
    return rules.review_decision(analysis_acceptable=acceptable, outcome=outcome,
                                 needs_change=needs)  # fmt: skip


def problem_review(
    *,
    actor: Person,
    problem_id: int,
    analysis_acceptable: bool | None,
    unavailable_in_service_hours: bool | None = None,
    functionality_changes: bool | None = None,
    cmdb_update: bool | None = None,
    specialist_id: int | None = None,
    support_group_id: int | None = None,
    note: str = "",
    change_id: int | None = None,
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 3: the problem coordinator reviews the specialist's analysis. Not acceptable:
    reassigned to the same or another specialist for a better analysis. Already fixed, or
    a good analysis without a practical structural solution: on to problem closure (proc.
    4, offered from the review). A proposed solution: is Change Management really needed
    (the three conditions)? No: a specialist is assigned to fix it. Yes: a known error is
    raised and passed to the change coordinator of the service as a request for change
    (``change_id``: a change the coordinator suggests adding it to)."""
    if analysis_acceptable is None:
        raise ValidationError({"analysis_acceptable": ["Say whether the analysis is acceptable."]})
    answers = {
        "unavailable_in_service_hours": unavailable_in_service_hours,
        "functionality_changes": functionality_changes,
        "cmdb_update": cmdb_update,
    }
    note = (note or "").strip()
    with transaction.atomic():
        problem = lock_to_edit(actor, COORDINATE, ProblemInvestigation, problem_id,
                               expected_version, related=["service"])  # fmt: skip
        inputs.PROBLEM_REVIEW.check(actor, given(
            analysis_acceptable=analysis_acceptable, **answers, specialist=specialist_id,
            support_group=support_group_id, change=change_id, note=note), problem)  # fmt: skip
        if problem.status != ProblemStatus.ANALYSIS_REVIEW:
            raise DomainError(
                f"{problem.number} is {problem.get_status_display().lower()}: only a completed "
                "analysis waiting for review is reviewed."
            )
        decision = _decide(problem, bool(analysis_acceptable), answers)
        specialist = None
        if decision in (ReviewDecision.REANALYSE, ReviewDecision.FIX):
            if specialist_id in (None, ""):
                raise ValidationError({"specialist": ["Choose the specialist."]})
            if support_group_id not in (None, ""):
                problem.support_group = _group(support_group_id)
            specialist = check_specialist(specialist_id, problem, problem.support_group)
        change = _suggested_change(change_id) if decision == ReviewDecision.KNOWN_ERROR else None
        for name, value in answers.items():
            setattr(problem, name, value)
        problem.review_decision = decision
        problem.reviewed_at = timezone.now()
        text = f"{actor} reviewed the analysis: {decision.label}." + (f" {note}" if note else "")
        journal.system(problem, text=text, data={"review_decision": str(decision)})
        notify.record_event(record=problem, event="problems.problem_investigation.reviewed",
                            actor=actor, data={"review_decision": str(decision)})  # fmt: skip
        if decision == ReviewDecision.REANALYSE:
            problem.save(update_fields=[*REVIEW_FIELDS, "updated_at"])
            assert specialist is not None
            assign(problem, actor=actor, specialist=specialist, note=note,
                   reason="The analysis was not acceptable.")  # fmt: skip
        elif decision == ReviewDecision.FIX:
            _to_fix(problem, actor=actor, specialist=specialist, note=note)
        elif decision == ReviewDecision.KNOWN_ERROR:
            raise_known_error(problem, actor=actor, change=change, note=note)
        else:  # closure or an impasse candidate: proc. 4 is offered from here
            problem.save(update_fields=[*REVIEW_FIELDS, "updated_at"])
    return problem


def _suggested_change(change_id: Any) -> Any:
    if change_id in (None, ""):
        return None
    from steward.changes.models import Change

    change = Change.objects.filter(pk=getattr(change_id, "pk", change_id)).first()
    if change is None:
        raise ValidationError({"change": ["No change with this id."]})
    return change


def _to_fix(problem: ProblemInvestigation, *, actor: Person, specialist: Any, note: str) -> None:
    """Change Management is not really needed: the specialist implements the solution."""
    problem.specialist = specialist
    problem.assigned_at = timezone.now()
    transitions.transition(
        problem, ProblemStatus.FIX_IN_PROGRESS, actor=actor, workflow=workflows.PROBLEM,
        reason=note, event="problems.problem_investigation.fix_in_progress",
        data={"specialist": specialist.pk},
        also=[*REVIEW_FIELDS, "specialist", "assigned_at", "support_group"],
    )  # fmt: skip
    if specialist != actor:
        tell([specialist], problem, "problem.fix", "implement the structural solution",
             f"Change Management is not needed: implement the recommended solution.\n\n{note}"
             .strip())  # fmt: skip


def _recommended(problem: ProblemInvestigation) -> str:
    options = list(problem.solution_options.all())
    best = next((o for o in options if o.is_recommended), options[0] if options else None)
    return best.description.strip() if best else ""


def raise_known_error(
    problem: ProblemInvestigation, *, actor: Person, change: Any = None, note: str = ""
) -> KnownError:
    """Proc. 3: Change Management is really required: a known error from the problem,
    passed to the change coordinators of the service as a request for change of source
    "known error" (told by ``rfc_submit``); its workaround published for registration.
    In the caller's transaction, ``problem`` locked."""
    from steward.changes.services.rfcs import rfc_submit

    known_error = KnownError(
        problem=problem, title=problem.title, service=problem.service,
        category=problem.category, root_cause=problem.root_cause.strip() or problem.title,
        workaround=problem.workaround.strip(), workaround_steps=problem.workaround_steps.strip(),
        solution=_recommended(problem), created_by=actor,
    )  # fmt: skip
    numbering.assign(known_error)
    known_error.full_clean()
    known_error.save()
    journal.created(known_error, actor=actor, summary=f"From problem {problem.number}")
    description = f"Root cause:\n{known_error.root_cause}\n\nRecommended structural solution:\n"
    description += known_error.solution or "(none recorded)"
    if change is not None:
        description += (f"\n\nThe problem coordinator suggests adding it to change "
                        f"{change.number} ({change.title}).")  # fmt: skip
    if note:
        description += f"\n\n{note}"
    rfc = rfc_submit(
        actor=actor, title=f"{known_error.number}: {problem.title}"[:TITLE_MAX],
        service_id=problem.service_id, source="known_error",
        origin_reference=known_error.number, description=description, problem_fix=True,
        causes_outage_in_service_hours=problem.unavailable_in_service_hours,
        functionality_changes=problem.functionality_changes, cmdb_update=problem.cmdb_update,
    )  # fmt: skip
    known_error.rfc = rfc
    if known_error.workaround:
        known_error.workaround_solution = _publish(known_error, actor=actor)
    transitions.transition(
        known_error, KnownErrorStatus.CHANGE_REQUESTED, actor=actor,
        workflow=workflows.KNOWN_ERROR, reason=f"Request for change {rfc.number} submitted.",
        also=["rfc", "workaround_solution"],
    )  # fmt: skip
    notify.record_event(record=known_error, event="problems.known_error.created", actor=actor,
                        data={"rfc": rfc.pk})  # fmt: skip
    transitions.transition(
        problem, ProblemStatus.KNOWN_ERROR, actor=actor, workflow=workflows.PROBLEM,
        reason=f"Known error {known_error.number}, request for change {rfc.number}.",
        event="problems.problem_investigation.known_error",
        data={"known_error": known_error.pk, "rfc": rfc.pk}, also=REVIEW_FIELDS,
    )  # fmt: skip
    return known_error


# --- The known workaround ----------------------------------------------------------------


def _body(known_error: KnownError) -> str:
    body = known_error.workaround
    if known_error.workaround_steps:
        body += f"\n\nHow:\n{known_error.workaround_steps}"
    return body


def _publish(known_error: KnownError, *, actor: Person) -> Solution:
    """The known error's workaround as an active known workaround, as a solution proposed
    and activated at once would be (journaled), for registration to suggest."""
    now = timezone.now()
    solution = Solution(
        title=f"Workaround: {known_error.title}"[:TITLE_MAX], symptoms=known_error.title,
        body=_body(known_error), is_workaround=True, status=SolutionStatus.ACTIVE,
        service=known_error.service, category=known_error.category,
        support_group=known_error.problem.support_group, proposed_by=actor, decided_by=actor,
        decided_at=now, decision_note=f"The workaround of known error {known_error.number}.",
    )  # fmt: skip
    numbering.assign(solution)
    solution.save()
    journal.created(solution, actor=actor,
                    summary=f"Known workaround of {known_error.number}")  # fmt: skip
    return solution


def _republish(known_error: KnownError, *, actor: Person) -> None:
    """After a workaround edit: the known workaround follows (new, changed or retired)."""
    solution = known_error.workaround_solution
    if solution is None or solution.status != SolutionStatus.ACTIVE:
        if known_error.workaround:
            known_error.workaround_solution = _publish(known_error, actor=actor)
            known_error.save(update_fields=["workaround_solution", "updated_at"])
        return
    if not known_error.workaround:
        known_error_retire_workaround(known_error, actor=actor, note="The workaround was removed.")
        return
    solution = Solution.objects.select_for_update(of=("self",)).get(pk=solution.pk)
    changes = journal.apply_changes(solution, {"body": _body(known_error)}, ["body"])
    if changes:
        solution.save()
        journal.field_changes(solution, actor=actor, changes=changes)


def known_error_retire_workaround(
    known_error: KnownError, *, actor: Person | None = None, note: str = ""
) -> None:
    """Take the known error's workaround out of registration's suggestions (the known
    error is resolved or retired: proc. 4). In the caller's transaction; a workaround
    already retired stays as it is. Its past uses stay on the incident requests."""
    if known_error.workaround_solution_id is None:
        return
    solution = Solution.objects.select_for_update(of=("self",)).get(
        pk=known_error.workaround_solution_id
    )
    if solution.status != SolutionStatus.ACTIVE:
        return
    solution.decided_by = actor
    solution.decided_at = timezone.now()
    solution.decision_note = note or f"Known error {known_error.number} no longer needs it."
    transitions.transition(
        solution, SolutionStatus.RETIRED, actor=actor, workflow=incident_workflows.SOLUTION,
        reason=solution.decision_note, also=["decided_by", "decided_at", "decision_note"],
    )  # fmt: skip


def known_error_update(
    *,
    actor: Person,
    known_error_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> KnownError:
    """Proc. 3: the problem coordinator keeps an open known error's workaround (and how to
    apply it) current; the published known workaround follows. Each change is journaled."""
    reject_unknown(data, KNOWN_ERROR_FIELDS)
    with transaction.atomic():
        known_error = lock_to_edit(actor, COORDINATE, KnownError, known_error_id,
                                   expected_version, related=["service", "problem"])  # fmt: skip
        inputs.KNOWN_ERROR_UPDATE.check(actor, data, known_error)
        if known_error.status not in OPEN_KNOWN_ERROR_STATUSES:
            raise DomainError(
                f"{known_error.number} is {known_error.get_status_display().lower()}: "
                "its workaround is no longer offered."
            )
        values = {name: (data[name] or "").strip() for name in KNOWN_ERROR_FIELDS if name in data}
        changes = journal.apply_changes(known_error, values, list(values))
        if not changes:
            return known_error
        known_error.full_clean()
        known_error.save()
        journal.field_changes(known_error, actor=actor, changes=changes)
        _republish(known_error, actor=actor)
    return known_error
