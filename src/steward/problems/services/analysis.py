"""Seed 003 ch. 9 proc. 2, Root Cause Analysis: the specialist the problem investigation
is assigned to reviews it, provides a temporary workaround when incidents were already
caused, tracks down the root cause, considers structural solutions (one recommended),
implements the preferred one when Change Management is not required, or says why no root
cause or no solution was found; then tells the problem coordinator the work is done.

Who: only the assigned specialist (``problem.specialist``) holding
``problems.problem.analyse`` on the problem. The seed gives these steps to the specialist;
a coordinator who wants to record the analysis assigns the problem to themselves.

A workaround is expected when incident requests are linked (``rules.workaround_expected``).
When the specialist could not find one, completing the analysis takes a
``no_workaround_reason``: there is no field for it, so it is journaled as "No workaround
found: ..." (refused without either, 400 naming ``no_workaround_reason``)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, notify, transitions
from steward.core.edits import lock_to_edit
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.problems import rules, workflows
from steward.problems.choices import AnalysisOutcome, ProblemStatus
from steward.problems.models import ProblemInvestigation, SolutionOption
from steward.problems.services.problems import ANALYSE, problem_coordinators, tell

EVENT = "problems.problem_investigation"
MAX_TEXT = 20000


def _text(value: Any) -> str:
    return (value or "").strip()


def _lock(actor: Person, problem_id: Any, expected_version: int | None) -> ProblemInvestigation:
    """The problem under the row lock, once the actor is its assigned specialist."""
    problem = lock_to_edit(actor, ANALYSE, ProblemInvestigation, problem_id, expected_version,
                           related=["service"])  # fmt: skip
    if problem.specialist_id != actor.pk:
        raise PermissionDenied(f"Only the specialist {problem.number} is assigned to analyses it.")
    return problem


def _in_analysis(problem: ProblemInvestigation) -> None:
    if problem.status != ProblemStatus.ROOT_CAUSE_ANALYSIS:
        raise DomainError(
            f"{problem.number} is {problem.get_status_display().lower()}: "
            "this is recorded during the root cause analysis."
        )


def is_specialist(actor: Any, problem: ProblemInvestigation) -> bool:
    """Whether ``actor`` is the specialist the problem is assigned to (action rows)."""
    return bool(problem.specialist_id) and problem.specialist_id == getattr(actor, "pk", None)


def coordinators_of(problem: ProblemInvestigation) -> list[Person]:
    """Who hears that the work is done: the problem's coordinator, else the service's."""
    return (
        [problem.coordinator] if problem.coordinator_id else problem_coordinators(problem.service)
    )


def _save(problem: ProblemInvestigation, changes: dict[str, Any], actor: Person) -> None:
    if changes:
        problem.full_clean()
        problem.save()
        journal.field_changes(problem, actor=actor, changes=changes)


def problem_start_analysis(
    *, actor: Person, problem_id: int, expected_version: int | None = None
) -> ProblemInvestigation:
    """Proc. 2: the specialist the problem investigation was assigned to starts reviewing
    its details and the root cause analysis (assigned → root cause analysis)."""
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        transitions.transition(problem, ProblemStatus.ROOT_CAUSE_ANALYSIS, actor=actor,
                               workflow=workflows.PROBLEM,
                               event=f"{EVENT}.root_cause_analysis")  # fmt: skip
    return problem


def problem_record_workaround(
    *,
    actor: Person,
    problem_id: int,
    workaround: str,
    workaround_steps: str = "",
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 2: the information about the temporary workaround, and specifically how to
    implement it, is added to the problem investigation."""
    workaround, steps = _text(workaround), _text(workaround_steps)
    if not workaround:
        raise ValidationError({"workaround": ["Describe the workaround."]})
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        _in_analysis(problem)
        values = {"workaround": workaround, "workaround_steps": steps}
        changes = journal.apply_changes(problem, values, list(values))
        _save(problem, changes, actor)
        if changes:
            notify.record_event(record=problem, event=f"{EVENT}.workaround_recorded", actor=actor)
    return problem


def problem_record_root_cause(
    *, actor: Person, problem_id: int, root_cause: str, expected_version: int | None = None
) -> ProblemInvestigation:
    """Proc. 2: having found the root cause, the specialist updates the problem
    investigation with its description (first found: ``root_cause_found_at``)."""
    root_cause = _text(root_cause)
    if not root_cause:
        raise ValidationError({"root_cause": ["Describe the root cause."]})
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        _in_analysis(problem)
        first = problem.root_cause_found_at is None
        changes = journal.apply_changes(problem, {"root_cause": root_cause}, ["root_cause"])
        if first:
            problem.root_cause_found_at = timezone.now()
        _save(problem, changes, actor)
        if changes and first:
            notify.record_event(record=problem, event=f"{EVENT}.root_cause_found", actor=actor)
    return problem


def _option(problem: ProblemInvestigation, option_id: Any) -> SolutionOption:
    option = problem.solution_options.filter(pk=getattr(option_id, "pk", option_id)).first()
    if option is None:
        raise ValidationError({"option": ["Not a structural solution of this problem."]})
    return option


def _recommend(problem: ProblemInvestigation, option: SolutionOption) -> None:
    """Exactly one option is recommended: this one."""
    problem.solution_options.exclude(pk=option.pk).filter(is_recommended=True).update(
        is_recommended=False
    )
    if not option.is_recommended:
        option.is_recommended = True
        option.save(update_fields=["is_recommended", "updated_at"])


def problem_add_option(
    *,
    actor: Person,
    problem_id: int,
    description: str,
    recommended: bool = False,
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 2: the specialist considers possible structural solutions; a description of
    each option is added (``recommended``: the preferred one, replacing an earlier pick)."""
    description = _text(description)
    if not description:
        raise ValidationError({"description": ["Describe the structural solution."]})
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        _in_analysis(problem)
        last = problem.solution_options.order_by("-position").first()
        option = SolutionOption.objects.create(
            problem=problem, description=description[:MAX_TEXT], created_by=actor,
            position=(last.position + 1) if last else 1,
        )  # fmt: skip
        if recommended:
            _recommend(problem, option)
        text = f"{actor} added structural solution {option.position}"
        journal.system(problem, text=text + (", recommended." if recommended else "."),
                       data={"option": option.pk})  # fmt: skip
        problem.save(update_fields=["updated_at"])
    return problem


def problem_remove_option(
    *, actor: Person, problem_id: int, option_id: int, expected_version: int | None = None
) -> ProblemInvestigation:
    """Proc. 2: take back a structural solution option (a recommended one too)."""
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        _in_analysis(problem)
        option = _option(problem, option_id)
        journal.system(problem, text=f"{actor} removed structural solution {option.position}.",
                       data={"option": option.pk})  # fmt: skip
        option.delete()
        problem.save(update_fields=["updated_at"])
    return problem


def problem_recommend_option(
    *, actor: Person, problem_id: int, option_id: int, expected_version: int | None = None
) -> ProblemInvestigation:
    """Proc. 2: the recommendation for the preferred structural solution (one at a time)."""
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        _in_analysis(problem)
        option = _option(problem, option_id)
        if not option.is_recommended:
            _recommend(problem, option)
            journal.system(problem, data={"option": option.pk},
                           text=f"{actor} recommended structural solution {option.position}.")  # fmt: skip
            problem.save(update_fields=["updated_at"])
    return problem


def _completion_errors(
    problem: ProblemInvestigation,
    *,
    recommended: bool,
    change_management_required: bool | None,
    no_root_cause_reason: str,
    no_solution_reason: str,
    no_workaround_reason: str,
) -> dict[str, list[str]]:
    """What stops the specialist from completing the analysis (proc. 2), per field."""
    errors: dict[str, list[str]] = {}
    if not problem.root_cause:
        if not no_root_cause_reason:
            errors["no_root_cause_reason"] = [
                "No root cause is recorded: say why it could not be found."
            ]
    elif not recommended:
        if not no_solution_reason:
            errors["no_solution_reason"] = [
                "No structural solution is recommended: recommend one or say why none is possible."
            ]
    elif change_management_required is None:
        errors["change_management_required"] = [
            "Say whether Change Management is required to implement the recommended solution."
        ]
    expected = rules.workaround_expected(linked_incidents=problem.incident_links.count())
    if expected and not problem.workaround and not no_workaround_reason:
        errors["no_workaround_reason"] = [
            "Incident requests were caused by this problem: record a workaround or say why "
            "none was found."
        ]
    return errors


def problem_complete_analysis(
    *,
    actor: Person,
    problem_id: int,
    change_management_required: bool | None = None,
    no_root_cause_reason: str = "",
    no_solution_reason: str = "",
    no_workaround_reason: str = "",
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 2: the specialist completes the analysis (root cause analysis → analysis
    review). The outcome is ``rules.analysis_outcome``: with a root cause and a recommended
    solution that needs no Change Management, the specialist implemented it (fixed);
    otherwise the solution is proposed, or the specialist specifies why no root cause or
    no structural solution was found. Regardless, the problem coordinator is informed
    that the work has been completed."""
    reasons = [_text(no_root_cause_reason), _text(no_solution_reason), _text(no_workaround_reason)]
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        _in_analysis(problem)
        recommended = problem.solution_options.filter(is_recommended=True).exists()
        errors = _completion_errors(
            problem, recommended=recommended, change_management_required=change_management_required,
            no_root_cause_reason=reasons[0], no_solution_reason=reasons[1],
            no_workaround_reason=reasons[2],
        )  # fmt: skip
        if errors:
            raise ValidationError(errors)
        found = bool(problem.root_cause)
        outcome = rules.analysis_outcome(
            root_cause_found=found, solution_proposed=recommended,
            change_management_required=bool(change_management_required),
        )  # fmt: skip
        now = timezone.now()
        problem.analysis_outcome = outcome
        problem.analysis_completed_at = now
        problem.no_root_cause_reason = "" if found else reasons[0]
        problem.no_solution_reason = reasons[1] if found and not recommended else ""
        problem.change_management_required = (
            bool(change_management_required) if found and recommended else None
        )
        problem.fixed_at = now if outcome == AnalysisOutcome.FIXED else None
        also = ["analysis_outcome", "analysis_completed_at", "no_root_cause_reason",
                "no_solution_reason", "change_management_required", "fixed_at"]  # fmt: skip
        transitions.transition(problem, ProblemStatus.ANALYSIS_REVIEW, actor=actor,
                               workflow=workflows.PROBLEM, also=also,
                               event=f"{EVENT}.analysis_review",
                               data={"outcome": outcome})  # fmt: skip
        if not problem.workaround and reasons[2]:
            journal.system(problem, text=f"No workaround found: {reasons[2]}",
                           data={"no_workaround_reason": reasons[2]})  # fmt: skip
        journal.system(problem, text=f"{actor} completed the analysis: "
                       f"{problem.get_analysis_outcome_display()}.",
                       data={"outcome": outcome})  # fmt: skip
        tell(coordinators_of(problem), problem, "problem.analysis_completed",
             "the specialist's work is completed",
             f"{problem.title}\n\n{problem.get_analysis_outcome_display()}")  # fmt: skip
    return problem


def problem_fix_done(
    *, actor: Person, problem_id: int, note: str = "", expected_version: int | None = None
) -> ProblemInvestigation:
    """Proc. 2 after the review (proc. 3) found Change Management not needed: the
    specialist implemented the preferred structural solution (fix in progress → analysis
    review, outcome fixed) and informs the problem coordinator."""
    note = _text(note)
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        if problem.status != ProblemStatus.FIX_IN_PROGRESS:
            raise DomainError(
                f"{problem.number} is {problem.get_status_display().lower()}: no fix was asked."
            )
        now = timezone.now()
        problem.analysis_outcome = AnalysisOutcome.FIXED
        problem.analysis_completed_at = now
        problem.fixed_at = now
        transitions.transition(problem, ProblemStatus.ANALYSIS_REVIEW, actor=actor,
                               workflow=workflows.PROBLEM, reason=note,
                               also=["analysis_outcome", "analysis_completed_at", "fixed_at"],
                               event=f"{EVENT}.analysis_review",
                               data={"outcome": AnalysisOutcome.FIXED})  # fmt: skip
        tell(coordinators_of(problem), problem, "problem.analysis_completed",
             "the structural solution is implemented", f"{problem.title}\n\n{note}".strip())  # fmt: skip
    return problem
