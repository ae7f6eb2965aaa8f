"""Seed 003 ch. 9 proc. 1, Incident Request Review: the problem coordinator registers a
problem investigation, links the incident requests it caused and assigns it to the most
appropriate specialist; later procedures reassign it through ``assign``.

Who: ``problems.problem.coordinate`` on the problem's service (a problem coordinator
limited to it counts there) for everything here."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.configuration.models import ConfigurationItem
from steward.core import journal, notify, numbering, permissions, transitions
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.models import Person, SupportGroup, SupportGroupMembership
from steward.incidents.models import Category, IncidentRequest
from steward.problems import inputs, workflows
from steward.problems.choices import OPEN_PROBLEM_STATUSES, ProblemSource, ProblemStatus
from steward.problems.models import ProblemIncident, ProblemInvestigation
from steward.service_level.models import Service

VIEW = "problems.problem.view"
COORDINATE = "problems.problem.coordinate"
ANALYSE = "problems.problem.analyse"
MAX_INCIDENTS = 500


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _one(model: type, pk: Any, field: str, **conditions: Any) -> Any:
    if pk in (None, ""):
        return None
    found = model.objects.filter(pk=_pk(pk), **conditions).first()
    if found is None:
        raise ValidationError({field: [f"No {model._meta.verbose_name} with this id."]})
    return found


def require_open(problem: ProblemInvestigation) -> None:
    """Refuse (409) to change a closed problem."""
    if problem.status == ProblemStatus.CLOSED:
        raise DomainError(f"{problem.number} is closed: it can no longer change.")


def tell(people: Iterable[Person | None], problem: ProblemInvestigation, event: str,
         title: str, body: str = "") -> None:  # fmt: skip
    """Notify ``people`` about ``problem`` (in the caller's transaction)."""
    notify.send(recipients=people, event=event, title=f"{problem.number}: {title}",
                body=body or problem.title, record=problem)  # fmt: skip


def problem_coordinators(service: Service | None) -> list[Person]:
    """The problem coordinators of the service, else any problem coordinator."""
    from steward.incidents.services.people import problem_coordinators as of_service

    return of_service(service)


def _incidents(ids: Iterable[Any], field: str = "incidents") -> list[IncidentRequest]:
    wanted = list(dict.fromkeys(_pk(i) for i in ids or []))
    if len(wanted) > MAX_INCIDENTS:
        raise ValidationError({field: [f"At most {MAX_INCIDENTS} incident requests at once."]})
    found = list(IncidentRequest.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({field: ["No incident request with one of these ids."]})
    return found


def link_incidents(
    problem: ProblemInvestigation, incidents: list[IncidentRequest], *, actor: Person
) -> list[IncidentRequest]:
    """Link ``incidents`` (already checked) to ``problem`` in the caller's transaction;
    refuse one that another problem already explains. Returns those newly linked."""
    taken = {
        link.incident_id: link.problem
        for link in ProblemIncident.objects.filter(incident__in=incidents)
        .exclude(problem=problem)
        .select_related("problem")
    }
    if taken:
        numbers = ", ".join(
            f"{i.number} ({taken[i.pk].number})" for i in incidents if i.pk in taken
        )
        raise ValidationError({"incidents": [f"Already linked to another problem: {numbers}."]})
    have = set(problem.incident_links.values_list("incident_id", flat=True))
    new = [i for i in incidents if i.pk not in have]
    ProblemIncident.objects.bulk_create(
        [ProblemIncident(problem=problem, incident=i, linked_by=actor) for i in new]
    )
    if new:
        numbers = ", ".join(i.number for i in new)
        journal.system(problem, text=f"{actor} linked {numbers}.",
                       data={"incidents": [i.pk for i in new]})  # fmt: skip
        for incident in new:
            journal.system(incident, text=f"{actor} linked it to problem {problem.number}.",
                           data={"problem": problem.pk})  # fmt: skip
        notify.record_event(record=problem, event="problems.problem_investigation.incidents_linked",
                            actor=actor, data={"incidents": [i.pk for i in new]})  # fmt: skip
    return new


def _group(value: Any) -> SupportGroup | None:
    return _one(SupportGroup, value, "support_group", is_active=True)


def check_specialist(
    value: Any, problem: ProblemInvestigation, group: SupportGroup | None
) -> Person:
    """The specialist chosen for ``problem``: active, allowed to analyse it and, when a
    group is named, a member of it (proc. 1: skills, availability and access rights)."""
    person = Person.objects.filter(pk=_pk(value), is_active=True).first()
    if person is None or not permissions.has(person, ANALYSE, problem):
        raise ValidationError({"specialist": ["Not a specialist who may analyse this problem."]})
    if (
        group is not None
        and not SupportGroupMembership.objects.filter(group=group, person=person).exists()
    ):
        raise ValidationError({"specialist": [f"Not a member of {group.name}."]})
    return person


def problem_register(
    *,
    actor: Person,
    title: str,
    service_id: int,
    description: str = "",
    category_id: int | None = None,
    ci_ids: Iterable[int] = (),
    incident_ids: Iterable[int] = (),
    source: str = ProblemSource.INCIDENT_REVIEW,
    support_group_id: int | None = None,
    specialist_id: int | None = None,
) -> ProblemInvestigation:
    """Proc. 1: after identifying a problem the problem coordinator registers a problem
    investigation, links the incident requests it caused and (optionally at once) assigns
    it to the most appropriate specialist."""
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = ["Say what the problem is."]
    if source not in ProblemSource.values:
        errors["source"] = ["Select a valid choice."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        service = _one(Service, service_id, "service")
        if service is None:
            raise ValidationError({"service": ["This field is required."]})
        permissions.require(actor, COORDINATE, service)
        problem = ProblemInvestigation(
            title=title.strip()[:200], description=(description or "").strip(),
            service=service, category=_one(Category, category_id, "category"),
            source=source, coordinator=actor, support_group=_group(support_group_id),
        )  # fmt: skip
        numbering.assign(problem)
        problem.full_clean()
        problem.save()
        cis = list(ConfigurationItem.objects.filter(pk__in=list(ci_ids)))
        if len(cis) != len(set(ci_ids)):
            raise ValidationError({"cis": ["No configuration item with one of these ids."]})
        problem.cis.set(cis)
        journal.created(problem, actor=actor)
        link_incidents(problem, _incidents(incident_ids), actor=actor)
        notify.record_event(record=problem, event="problems.problem_investigation.created",
                            actor=actor)  # fmt: skip
        if specialist_id is not None:
            assign(problem, actor=actor, specialist=check_specialist(
                specialist_id, problem, problem.support_group))  # fmt: skip
    return problem


UPDATE_FIELDS = ("title", "description", "category", "cis", "support_group")


def problem_update(
    *,
    actor: Person,
    problem_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 1: the problem coordinator keeps the investigation's description, category,
    CIs and group current. Each change is journaled; refused once closed."""
    reject_unknown(data, UPDATE_FIELDS)
    with transaction.atomic():
        problem = lock_to_edit(actor, COORDINATE, ProblemInvestigation, problem_id,
                               expected_version, related=["service"])  # fmt: skip
        inputs.PROBLEM_UPDATE.check(actor, data, problem)
        require_open(problem)
        values: dict[str, Any] = {}
        if "title" in data:
            if not (data["title"] or "").strip():
                raise ValidationError({"title": ["Say what the problem is."]})
            values["title"] = data["title"].strip()[:200]
        if "description" in data:
            values["description"] = (data["description"] or "").strip()
        if "category" in data:
            values["category"] = _one(Category, data["category"], "category")
        if "support_group" in data:
            values["support_group"] = _group(data["support_group"])
        changes = journal.apply_changes(problem, values, list(values))
        if "cis" in data:
            wanted = {_pk(c) for c in data["cis"] or []}
            found = list(ConfigurationItem.objects.filter(pk__in=wanted))
            if len(found) != len(wanted):
                raise ValidationError({"cis": ["No configuration item with one of these ids."]})
            before = sorted(c.number for c in problem.cis.all())
            after = sorted(c.number for c in found)
            if before != after:
                problem.cis.set(found)
                changes["cis"] = (", ".join(before), ", ".join(after))
        if not changes:
            return problem
        problem.full_clean()
        problem.save()
        journal.field_changes(problem, actor=actor, changes=changes)
    return problem


def problem_link_incidents(
    *,
    actor: Person,
    problem_id: int,
    incident_ids: Iterable[int],
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 1: incident requests caused by a problem identified earlier are linked to
    its investigation (from the review, the incident page or the problem page)."""
    with transaction.atomic():
        problem = lock_to_edit(actor, COORDINATE, ProblemInvestigation, problem_id,
                               expected_version, related=["service"])  # fmt: skip
        require_open(problem)
        incidents = _incidents(incident_ids)
        if not incidents:
            raise ValidationError({"incidents": ["Name at least one incident request."]})
        if link_incidents(problem, incidents, actor=actor):
            problem.save(update_fields=["updated_at"])
    return problem


def problem_unlink_incident(
    *, actor: Person, problem_id: int, incident_id: int, expected_version: int | None = None
) -> ProblemInvestigation:
    """Take back a link made by mistake (journaled on both records)."""
    with transaction.atomic():
        problem = lock_to_edit(actor, COORDINATE, ProblemInvestigation, problem_id,
                               expected_version)  # fmt: skip
        require_open(problem)
        link = problem.incident_links.filter(incident_id=_pk(incident_id)).select_related(
            "incident").first()  # fmt: skip
        if link is None:
            raise ValidationError({"incident": ["Not linked to this problem."]})
        link.delete()
        journal.system(problem, text=f"{actor} unlinked {link.incident.number}.",
                       data={"incident": link.incident_id})  # fmt: skip
        journal.system(link.incident, text=f"{actor} unlinked it from {problem.number}.",
                       data={"problem": problem.pk})  # fmt: skip
        problem.save(update_fields=["updated_at"])
    return problem


def assign(
    problem: ProblemInvestigation,
    *,
    actor: Person,
    specialist: Person,
    note: str = "",
    reason: str = "",
) -> None:
    """Hand the locked ``problem`` to ``specialist`` for analysis (proc. 1), or back for a
    better analysis (proc. 3), a fix, another structural solution (proc. 4) or a new
    analysis after an impasse: to ``assigned`` (a fix: the caller moves it on), the
    specialist told. In the caller's transaction."""
    problem.specialist = specialist
    problem.assigned_at = timezone.now()
    problem.analysis_rounds += 1
    also = ["specialist", "assigned_at", "analysis_rounds", "support_group"]
    if problem.status != ProblemStatus.ASSIGNED:
        transitions.transition(
            problem, ProblemStatus.ASSIGNED, actor=actor, workflow=workflows.PROBLEM,
            reason=reason or note, also=also,
        )  # fmt: skip
    else:
        problem.save(update_fields=[*also, "updated_at"])
    text = f"{actor} assigned it to {specialist}." + (f" {note}" if note else "")
    journal.system(problem, text=text, data={"specialist": specialist.pk})
    notify.record_event(record=problem, event="problems.problem_investigation.assigned",
                        actor=actor, data={"specialist": specialist.pk})  # fmt: skip
    if specialist != actor:
        tell([specialist], problem, "problem.assigned", "assigned to you for analysis",
             f"{problem.title}\n\n{note}".strip())  # fmt: skip


def problem_assign(
    *,
    actor: Person,
    problem_id: int,
    specialist_id: int,
    support_group_id: int | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> ProblemInvestigation:
    """Proc. 1: the problem coordinator assigns the investigation to the most appropriate
    specialist (skills, availability, access rights); before the analysis starts it may be
    reassigned the same way."""
    with transaction.atomic():
        problem = lock_to_edit(actor, COORDINATE, ProblemInvestigation, problem_id,
                               expected_version, related=["service"])  # fmt: skip
        if problem.status not in (ProblemStatus.REGISTERED, ProblemStatus.ASSIGNED,
                                  ProblemStatus.ROOT_CAUSE_ANALYSIS):  # fmt: skip
            raise DomainError(
                f"{problem.number} is {problem.get_status_display().lower()}: "
                "its review or closure decides who works on it next."
            )
        if support_group_id is not None:
            problem.support_group = _group(support_group_id)
        specialist = check_specialist(specialist_id, problem, problem.support_group)
        assign(problem, actor=actor, specialist=specialist, note=(note or "").strip())
    return problem


def is_open(problem: ProblemInvestigation) -> bool:
    return problem.status in OPEN_PROBLEM_STATUSES
