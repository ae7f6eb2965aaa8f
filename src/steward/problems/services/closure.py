"""Seed 003 ch. 9 proc. 4, Problem Closure: after the change that provides the structural
solution has been implemented (or after the specialist's own fix), the problem coordinator
verifies whether it actually solved the problem, with the evidence the system shows
(``recurrence_evidence``: incident requests of the problem's kinds registered since then),
and closes it (``problem_close``); when the change was not implemented or did not fix it,
the coordinator reassigns it to a specialist of the group for another structural solution
(``problem_reassign_for_solution``) or records an impasse with a re-check date
(``problem_record_impasse``). The scheduler reminds the coordinators on that date
(``impasse_rechecks``); they then ask for another analysis (``problem_reopen_analysis``)
or set the next re-check.

Which of the three it is stays ``rules.closure_decision``. Who: the problem coordinator of
the problem's service (``problems.problem.coordinate``)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from steward.changes.choices import ChangeOutcome, ChangeStatus
from steward.core import journal, transitions
from steward.core.edits import lock_to_edit
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person
from steward.incidents.choices import IncidentStatus, ServiceType
from steward.incidents.models import IncidentRequest
from steward.problems import inputs, rules, workflows
from steward.problems.choices import (
    ClosureDecision,
    KnownErrorStatus,
    ProblemStatus,
    ReviewDecision,
)
from steward.problems.models import KnownError, ProblemIncident, ProblemInvestigation
from steward.problems.services.known_errors import (
    known_error_retire_workaround as retire_workaround,
)
from steward.problems.services.problems import (
    COORDINATE,
    assign,
    check_specialist,
    problem_coordinators,
    tell,
)

P = ProblemStatus
MAX_SHOWN = 50  # recurring incident requests listed in the evidence
MAX_RECHECK_DAYS = 731  # an impasse is re-checked within two years
# The review decisions that send a problem in analysis review to closure (proc. 3 -> 4).
CLOSURE_REVIEWS = (ReviewDecision.CLOSURE, ReviewDecision.IMPASSE_CANDIDATE)
# A change that ended this way was implemented; any other end (backed out, rejected,
# cancelled) or a change still open was not.
IMPLEMENTED_OUTCOMES = ("", ChangeOutcome.SUCCESSFUL)


def at_closure_point(problem: ProblemInvestigation) -> bool:
    """Whether proc. 4 applies: a known error (its change done or not), or an analysis the
    review sent to closure (fixed, or no practical structural solution)."""
    if problem.status == P.KNOWN_ERROR:
        return True
    return problem.status == P.ANALYSIS_REVIEW and problem.review_decision in CLOSURE_REVIEWS


def _solution_changes(problem: ProblemInvestigation) -> list[Any]:
    """The changes of the problem's known errors (not retired), one per known error; None
    for a known error whose request for change has no change (yet)."""
    errors = problem.known_errors.exclude(status=KnownErrorStatus.RETIRED).select_related(
        "rfc__change"
    )
    return [e.rfc.change if e.rfc_id and e.rfc.change_id else None for e in errors]


def _implemented(change: Any) -> bool:
    return (
        change is not None
        and change.status == ChangeStatus.CLOSED
        and change.outcome in IMPLEMENTED_OUTCOMES
    )


def _took_effect(problem: ProblemInvestigation) -> tuple[Any, bool, list[Any]]:
    """(the moment the structural solution took effect or None, implemented, changes)."""
    changes = _solution_changes(problem)
    if changes:
        if not all(_implemented(c) for c in changes):
            return None, False, changes
        return max(c.actual_end or c.closed_at for c in changes), True, changes
    if problem.review_decision == ReviewDecision.CLOSURE or problem.fixed_at:
        moment = problem.fixed_at or problem.analysis_completed_at or problem.reviewed_at
        return moment, moment is not None, []
    return None, False, []


def verifiable() -> Q:
    """The problems waiting for the coordinator's verification (proc. 4): a known error
    whose changes are all implemented, or a fix the review sent to closure."""
    errors = KnownError.objects.filter(problem=OuterRef("pk")).exclude(
        status=KnownErrorStatus.RETIRED
    )
    done = Q(rfc__change__status=ChangeStatus.CLOSED, rfc__change__outcome__in=IMPLEMENTED_OUTCOMES)
    changed = Q(status=P.KNOWN_ERROR) & Exists(errors.filter(done)) & ~Exists(errors.exclude(done))
    return changed | Q(status=P.ANALYSIS_REVIEW, review_decision=ReviewDecision.CLOSURE)


def recurring_incidents(problem: ProblemInvestigation, since: Any) -> QuerySet[IncidentRequest]:
    """The incident requests "of the linked kinds" registered at or after ``since``.

    Precisely: registered (``created_at``) at or after ``since``, on the problem's service,
    not cancelled and not a user service request; and either linked to this problem, or
    sharing a category or a configuration item with it: the problem's own category and
    CIs and those of the incident requests it had before ``since``. Incident requests
    linked to another problem are that problem's, not a recurrence of this one."""
    before = problem.incident_links.filter(incident__created_at__lt=since).values("incident_id")
    earlier = IncidentRequest.objects.filter(pk__in=before)
    categories = set(earlier.exclude(category=None).values_list("category_id", flat=True))
    if problem.category_id:
        categories.add(problem.category_id)
    cis = set(earlier.values_list("cis", flat=True)) | set(problem.cis.values_list("pk", flat=True))
    cis.discard(None)
    mine = ProblemIncident.objects.filter(problem=problem, incident=OuterRef("pk"))
    others = ProblemIncident.objects.filter(incident=OuterRef("pk")).exclude(problem=problem)
    kinds = Q(Exists(mine)) | Q(category_id__in=categories) | Q(cis__in=cis)
    qs = IncidentRequest.objects.filter(
        kinds, service_id=problem.service_id, created_at__gte=since
    ).exclude(status=IncidentStatus.CANCELLED)
    qs = qs.exclude(service_type=ServiceType.USER_SERVICE_REQUEST).exclude(Exists(others))
    return qs.distinct().order_by("created_at", "pk")


def recurrence_evidence(problem: ProblemInvestigation) -> dict[str, Any]:
    """Proc. 4: what the coordinator verifies before deciding.

    ``since``: when the structural solution took effect: the latest ``actual_end`` (else
    ``closed_at``) of the changes of the problem's known errors when every one of them was
    implemented (closed successfully); the specialist's ``fixed_at`` for a fix without
    Change Management; None when a change was not implemented (still open, backed out,
    rejected or cancelled) or there is no solution. ``incidents``: the recurring incident
    requests (``recurring_incidents``: number, title, registered, url), at most
    ``MAX_SHOWN``, ``count`` all of them. ``suggested``: ``rules.closure_decision`` read
    with what the system knows (another solution assumed possible)."""
    since, implemented, changes = _took_effect(problem)
    incidents: list[dict[str, Any]] = []
    count = 0
    if since is not None:
        qs = recurring_incidents(problem, since)
        count = qs.count()
        incidents = [
            {"id": i.pk, "number": i.number, "title": i.title, "registered": i.created_at,
             "url": i.get_absolute_url()}
            for i in qs[:MAX_SHOWN]
        ]  # fmt: skip
    solved = implemented and count == 0
    return {
        "since": since,
        "implemented": implemented,
        "changes": [c for c in changes if c is not None],
        "missing_change": any(c is None for c in changes),
        "incidents": incidents,
        "count": count,
        "suggested": rules.closure_decision(solved=solved, other_solution_possible=True),
    }


def recurrence_text(evidence: dict[str, Any]) -> str:
    """'INC1, INC2 (and 3 more)': the recurring incident requests of ``evidence``."""
    numbers = ", ".join(i["number"] for i in evidence["incidents"])
    more = evidence["count"] - len(evidence["incidents"])
    return numbers + (f" (and {more} more)" if more > 0 else "")


def _lock(actor: Person, problem_id: int, expected_version: int | None) -> ProblemInvestigation:
    return lock_to_edit(actor, COORDINATE, ProblemInvestigation, problem_id, expected_version,
                        related=["service", "specialist"])  # fmt: skip


def _state(problem: ProblemInvestigation, *, impasse: bool) -> None:
    """Refuse (409) outside proc. 4 (and outside an impasse unless ``impasse``)."""
    if at_closure_point(problem) or (impasse and problem.status == P.IMPASSE):
        return
    raise DomainError(
        f"{problem.number} is {problem.get_status_display().lower()}: it is not waiting "
        "for its closure."
    )


def _people(problem: ProblemInvestigation, actor: Person) -> list[Person]:
    """The specialist and the problem coordinators, the actor left out."""
    people = [problem.specialist, problem.coordinator, *problem_coordinators(problem.service)]
    return [p for p in dict.fromkeys(people) if p is not None and p != actor]


def problem_close(
    *,
    actor: Person,
    problem_id: int,
    note: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 4: the implementation appears to have solved the problem: the problem
    coordinator closes it. Refused when the change was not implemented (reassign or record
    an impasse) and, naming ``override_reason``, when incident requests of its kinds recur
    since the change, unless the coordinator overrides with a reason (journaled as a work
    note with the numbers). From an impasse the coordinator may give up with a note. Its
    known errors are resolved (retired, given up) and their known workarounds retired;
    the specialist and the problem coordinators are told."""
    note, override_reason = (note or "").strip(), (override_reason or "").strip()
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        inputs.PROBLEM_CLOSE.check(actor, given(note=note, override_reason=override_reason),
                                   problem)  # fmt: skip
        _state(problem, impasse=True)
        given_up = problem.status == P.IMPASSE
        if given_up and not note:
            raise ValidationError({"note": ["Say why the problem is closed in its impasse."]})
        evidence = {} if given_up else _verified(problem, override_reason)
        problem.closure_note, problem.closed_at = note, timezone.now()
        problem.closure_override_reason = override_reason if evidence.get("count") else ""
        transitions.transition(
            problem, P.CLOSED, actor=actor, workflow=workflows.PROBLEM, reason=note,
            event="problems.problem_investigation.closed",
            also=["closure_note", "closed_at", "closure_override_reason"],
        )  # fmt: skip
        if problem.closure_override_reason:
            journal.note_add(
                actor=actor, record=problem, public=False, permission=COORDINATE,
                body=f"Closed although {recurrence_text(evidence)} recurred since the "
                f"change: {override_reason}",
            )  # fmt: skip
        _end_known_errors(problem, actor, given_up=given_up)
        tell(_people(problem, actor), problem, "problem.closed", "closed",
             f"{problem.title}\n\n{note}".strip())  # fmt: skip
    return problem


def _verified(problem: ProblemInvestigation, override_reason: str) -> dict[str, Any]:
    """The evidence, once it allows closing (``rules.closure_decision``): implemented, and
    no recurrence or the coordinator's override."""
    evidence = recurrence_evidence(problem)
    if not evidence["implemented"]:
        if problem.review_decision == ReviewDecision.IMPASSE_CANDIDATE and not evidence["changes"]:
            why = "no structural solution was implemented"
        else:
            why = "the change was not implemented"
        raise DomainError(f"{problem.number}: {why}: reassign it or record an impasse.")
    solved = not evidence["count"] or bool(override_reason)
    if rules.closure_decision(solved=solved, other_solution_possible=True) != ClosureDecision.CLOSE:
        raise ValidationError({"override_reason": [
            f"Incident requests of this problem's kinds recur since "
            f"{evidence['since']:%Y-%m-%d %H:%M}: {recurrence_text(evidence)}. Reassign it "
            "for another structural solution, or give the reason to close it anyway."
        ]})  # fmt: skip
    return evidence


def _end_known_errors(problem: ProblemInvestigation, actor: Person, *, given_up: bool) -> None:
    """Solved: the problem's open known errors are resolved; given up: retired. Their
    known workarounds are retired either way (no longer suggested)."""
    now = timezone.now()
    status = KnownErrorStatus.RETIRED if given_up else KnownErrorStatus.RESOLVED
    for error in problem.known_errors.exclude(
        status__in=(KnownErrorStatus.RESOLVED, KnownErrorStatus.RETIRED)
    ).select_related("workaround_solution"):
        if not given_up:
            error.resolved_at = now
        transitions.transition(
            error, status, actor=actor, workflow=workflows.KNOWN_ERROR,
            reason=f"{actor} closed {problem.number}.", also=["resolved_at"],
            event=None if given_up else "problems.known_error.resolved",
        )  # fmt: skip
        state = error.get_status_display().lower()
        retire_workaround(error, actor=actor, note=f"{problem.number} was closed: known "
                          f"error {error.number} is {state}.")  # fmt: skip


def problem_reassign_for_solution(
    *,
    actor: Person,
    problem_id: int,
    specialist_id: int,
    note: str,
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 4: the change was not implemented or did not fix the problem, and a different
    structural solution might be possible (``rules.closure_decision``: reassign): the
    problem coordinator reassigns the investigation to a specialist within the group."""
    note = (note or "").strip()
    decision = rules.closure_decision(solved=False, other_solution_possible=True)
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        inputs.PROBLEM_REASSIGN.check(actor, given(specialist=specialist_id, note=note), problem)
        _state(problem, impasse=False)
        if not note:
            raise ValidationError({"note": ["Say what other structural solution may work."]})
        specialist = check_specialist(specialist_id, problem, problem.support_group)
        assign(problem, actor=actor, specialist=specialist, note=note,
               reason=f"{decision.label}. {note}")  # fmt: skip
    return problem


def _recheck_date(value: Any, today: dt.date) -> dt.date:
    if isinstance(value, str):
        value = parse_date(value.strip()) if value.strip() else None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ValidationError({"recheck_on": ["Give the date to check for new possibilities."]})
    if value <= today:
        raise ValidationError({"recheck_on": ["The re-check date must be in the future."]})
    if value > today + dt.timedelta(days=MAX_RECHECK_DAYS):
        raise ValidationError({"recheck_on": ["Re-check within two years."]})
    return value


def problem_record_impasse(
    *,
    actor: Person,
    problem_id: int,
    reason: str,
    recheck_on: Any,
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 4: there is currently no practical means to work around or remove the root
    cause permanently (``rules.closure_decision``: impasse): the problem coordinator
    updates the investigation to indicate the impasse, with the date to check for new
    possibilities (in the future, within two years). In an impasse already, it sets the
    next re-check. Its known errors stay open: their workarounds keep helping."""
    reason = (reason or "").strip()
    decision = rules.closure_decision(solved=False, other_solution_possible=False)
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        inputs.PROBLEM_IMPASSE.check(actor, given(reason=reason, recheck_on=recheck_on), problem)
        _state(problem, impasse=True)
        if not reason:
            raise ValidationError({"reason": ["Say why there is no practical solution."]})
        day = _recheck_date(recheck_on, timezone.localdate())
        problem.impasse_reason, problem.recheck_on, problem.recheck_reminded_on = reason, day, None
        also = ["impasse_reason", "recheck_on", "recheck_reminded_on"]
        if problem.status == P.IMPASSE:
            problem.save(update_fields=[*also, "updated_at"])
            journal.system(problem, text=f"{actor} set the next re-check on {day:%Y-%m-%d}: "
                           f"{reason}", data={"recheck_on": day.isoformat()})  # fmt: skip
            return problem
        transitions.transition(
            problem, P.IMPASSE, actor=actor, workflow=workflows.PROBLEM, also=also,
            reason=f"{decision.label}. {reason} Re-check on {day:%Y-%m-%d}.",
            event="problems.problem_investigation.impasse",
        )  # fmt: skip
        tell(_people(problem, actor), problem, "problem.impasse", "impasse",
             f"{reason}\n\nRe-checked on {day:%Y-%m-%d}.")  # fmt: skip
    return problem


def problem_reopen_analysis(
    *,
    actor: Person,
    problem_id: int,
    specialist_id: int,
    note: str,
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 4: checking an impasse, the problem coordinator asks for another analysis when
    a new or different approach or technology is likely to provide a practical structural
    solution: assigned to a specialist (of the group, when it has one)."""
    note = (note or "").strip()
    with transaction.atomic():
        problem = _lock(actor, problem_id, expected_version)
        inputs.PROBLEM_REOPEN.check(actor, given(specialist=specialist_id, note=note), problem)
        if problem.status != P.IMPASSE:
            raise DomainError(f"{problem.number} is not an impasse.")
        if not note:
            raise ValidationError({"note": ["Say what new approach or technology may work."]})
        specialist = check_specialist(specialist_id, problem, problem.support_group)
        problem.recheck_on = None
        assign(problem, actor=actor, specialist=specialist, note=note,
               reason=f"Another analysis: {note}")  # fmt: skip
        problem.save(update_fields=["recheck_on", "updated_at"])
    return problem


def rechecks_due(today: dt.date) -> QuerySet[ProblemInvestigation]:
    """Impasses whose re-check date has come."""
    return ProblemInvestigation.objects.filter(status=P.IMPASSE, recheck_on__lte=today)


def impasse_rechecks(today: dt.date | None = None) -> int:
    """Proc. 4, the scheduler's part: "periodically, the problem coordinator will check
    for new possibilities": on an impasse's re-check date its coordinators (the problem's
    and those of its service) are reminded once (``recheck_reminded_on``); returns how
    many problems were reminded about. Idempotent: a second run the same day, or any
    later day before a new re-check date is set, reminds no one again."""
    today = today or timezone.localdate()
    due = rechecks_due(today).filter(
        Q(recheck_reminded_on__isnull=True) | Q(recheck_reminded_on__lt=F("recheck_on"))
    )
    count = 0
    for pk in due.order_by("recheck_on", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            problem = transitions.lock(ProblemInvestigation, pk, related=["service"])
            if problem.status != P.IMPASSE or (
                problem.recheck_reminded_on and problem.recheck_reminded_on >= problem.recheck_on
            ):
                continue
            # Not a change of the record: its version (and open edit forms) stay as they are.
            ProblemInvestigation.objects.filter(pk=pk).update(recheck_reminded_on=today)
            people = [problem.coordinator, *problem_coordinators(problem.service)]
            tell(people, problem, "problem.impasse_recheck", "re-check the impasse for new "
                 "possibilities", f"{problem.impasse_reason}\n\nAsk for another analysis when "
                 "a new approach or technology could solve it, or set the next re-check.")  # fmt: skip
            journal.system(problem, text="The coordinators were reminded to re-check the "
                           "impasse.", data={"recheck_on": problem.recheck_on.isoformat()})  # fmt: skip
            count += 1
    return count
