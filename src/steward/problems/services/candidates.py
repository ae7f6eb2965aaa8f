"""Problem candidates (seed 003 ch. 9, proc. 1: the problem coordinator identifies
problems from incident requests; issue 15): the periodic job proposes clusters of similar
recent incident requests not yet linked to a problem (``steward.problems.similarity``),
and the problem coordinator of the service registers a problem from one or dismisses it.

- ``fingerprint``: sha256 of the service and the cluster's label terms (sorted). It names
  the cluster across refreshes together with its incident set.
- A refresh keeps registered and dismissed candidates and replaces the open ones: a new
  cluster sharing at least half of its incidents (or its fingerprint) with an open
  candidate updates it in place (its page stays the same); open candidates matched by no
  cluster are removed.
- A dismissed cluster does not come back unless it grew: a cluster matching a dismissed
  candidate (same fingerprint, or half its incidents were in it) is proposed again only
  when it holds at least ``GROWTH`` incidents (and half the dismissed size) the dismissed
  one did not.
- Impact: the incidents' impact as weights (1 extensive = 4 .. 4 minor = 1), summed;
  score = impact sum + size, so both the count and the impact rank.

Who: ``problems.problem.coordinate`` on the candidate's service.

``steward.problems.similarity`` is imported by the two functions that run the clustering:
numpy, scipy and scikit-learn take 1.5 s of CPU to import, which every web worker, CLI
command and test process would otherwise pay at start-up for an hourly job."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, notify, permissions, transitions
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.incidents.models import IncidentRequest
from steward.problems import workflows
from steward.problems.choices import CandidateStatus, ProblemSource
from steward.problems.models import ProblemCandidate, ProblemInvestigation
from steward.problems.services import problems as _problems

if TYPE_CHECKING:
    from steward.problems import similarity

COORDINATE = _problems.COORDINATE
VIEW = "problems.candidate.view"
IMPACT_WEIGHT = {"1": 4.0, "2": 3.0, "3": 2.0, "4": 1.0}
GROWTH = 3


def fingerprint(service_id: int, terms: list[str]) -> str:
    return hashlib.sha256(f"{service_id}|{'|'.join(sorted(terms))}".encode()).hexdigest()


def read_rows(since: datetime) -> list[similarity.Row]:
    """The incident requests registered since ``since`` with a service and no problem:
    one query for the requests, one for their first CI."""
    from steward.problems import similarity  # heavy: see the module's docstring

    recent = IncidentRequest.objects.filter(
        created_at__gte=since, service__isnull=False, problem_link__isnull=True
    )
    through = IncidentRequest.cis.through
    first_ci: dict[int, tuple[int, int | None]] = {}
    links = through.objects.filter(
        incidentrequest__created_at__gte=since, incidentrequest__problem_link__isnull=True
    ).order_by("incidentrequest_id", "configurationitem_id")
    for incident_id, ci_id, class_id in links.values_list(
        "incidentrequest_id", "configurationitem_id", "configurationitem__ci_class_id"
    ):
        first_ci.setdefault(incident_id, (ci_id, class_id))
    rows = []
    fields = ("pk", "service_id", "category_id", "title", "description", "impact", "created_at")
    for pk, service_id, category_id, title, description, impact, created in recent.values_list(
        *fields
    ).iterator(chunk_size=5_000):
        ci_id, class_id = first_ci.get(pk, (None, None))
        rows.append(similarity.Row(
            id=pk, service_id=service_id, text=title, description=description[:2000],
            category_id=category_id, ci_id=ci_id, ci_class_id=class_id,
            weight=IMPACT_WEIGHT.get(impact, 1.0), created_at=created,
        ))  # fmt: skip
    return rows


def _matching(cluster: similarity.Cluster, fp: str, candidates: list[ProblemCandidate],
              members: dict[int, set[int]]) -> ProblemCandidate | None:  # fmt: skip
    """The candidate naming the same cluster: same fingerprint or half its incidents."""
    ids = set(cluster.ids)
    best, overlap = None, 0
    for candidate in candidates:
        if candidate.service_id != cluster.service_id:
            continue
        shared = len(ids & members[candidate.pk])
        if candidate.fingerprint == fp or shared * 2 >= len(ids):
            if candidate.fingerprint == fp:
                shared += len(ids)
            if shared > overlap:
                best, overlap = candidate, shared
    return best


def _grew(cluster: similarity.Cluster, dismissed: ProblemCandidate, before: set[int]) -> bool:
    new = len(set(cluster.ids) - before)
    return new >= max(GROWTH, (dismissed.size + 1) // 2)


def _fill(candidate: ProblemCandidate, cluster: similarity.Cluster, fp: str) -> None:
    candidate.fingerprint = fp
    candidate.service_id = cluster.service_id
    candidate.category_id = cluster.category_id
    candidate.ci_id = cluster.ci_id
    candidate.ci_class_id = cluster.ci_class_id
    candidate.label = cluster.label or "(no shared words)"
    candidate.size = cluster.size
    candidate.impact = cluster.weight
    candidate.score = cluster.weight + cluster.size
    candidate.cohesion = cluster.cohesion
    candidate.first_seen = cluster.first_seen
    candidate.last_seen = cluster.last_seen


def _members(candidates: list[ProblemCandidate]) -> dict[int, set[int]]:
    through = ProblemCandidate.incidents.through
    members: dict[int, set[int]] = {c.pk: set() for c in candidates}
    rows = through.objects.filter(problemcandidate_id__in=list(members))
    for candidate_id, incident_id in rows.values_list("problemcandidate_id", "incidentrequest_id"):
        members[candidate_id].add(incident_id)
    return members


def _write(clusters: list[similarity.Cluster]) -> dict[str, int]:
    """Replace the open candidates by ``clusters`` (in the caller's transaction)."""
    open_ = list(ProblemCandidate.objects.select_for_update().filter(status=CandidateStatus.OPEN))
    dismissed = list(ProblemCandidate.objects.filter(status=CandidateStatus.DISMISSED))
    members = _members(open_ + dismissed)
    kept, created, suppressed = set(), 0, 0
    through = ProblemCandidate.incidents.through
    links = []
    for cluster in clusters:
        fp = fingerprint(cluster.service_id, cluster.terms)
        old = _matching(cluster, fp, dismissed, members)
        if old is not None and not _grew(cluster, old, members[old.pk]):
            suppressed += 1
            continue
        candidate = _matching(cluster, fp, [c for c in open_ if c.pk not in kept], members)
        if candidate is None:
            candidate, created = ProblemCandidate(), created + 1
        _fill(candidate, cluster, fp)
        candidate.save()
        kept.add(candidate.pk)
        links += [through(problemcandidate_id=candidate.pk, incidentrequest_id=i)
                  for i in cluster.ids]  # fmt: skip
    gone = [c.pk for c in open_ if c.pk not in kept]
    ProblemCandidate.objects.filter(pk__in=gone).delete()
    through.objects.filter(problemcandidate_id__in=kept).delete()
    through.objects.bulk_create(links, batch_size=5_000)
    return {"created": created, "updated": len(kept) - created, "removed": len(gone),
            "suppressed": suppressed}  # fmt: skip


def candidates_refresh(*, now: datetime | None = None, days: int = 90) -> dict[str, Any]:
    """The candidate job (proc. 1, issue 15): cluster the incident requests of the last
    ``days`` not linked to a problem and replace the open candidates. Idempotent."""
    from steward.problems import similarity  # heavy: see the module's docstring

    began = time.perf_counter()
    since = (now or timezone.now()) - timedelta(days=days)
    rows = read_rows(since)
    read_s = time.perf_counter() - began
    clusters = similarity.cluster(rows)
    cluster_s = time.perf_counter() - began - read_s
    with transaction.atomic():
        counts = _write(clusters)
    return {
        "incidents": len(rows),
        "clusters": len(clusters),
        "clustered": sum(c.size for c in clusters),
        **counts,
        "read_seconds": round(read_s, 3),
        "cluster_seconds": round(cluster_s, 3),
        "seconds": round(time.perf_counter() - began, 3),
    }


def _lock(actor: Person, candidate_id: int) -> ProblemCandidate:
    candidate = (
        ProblemCandidate.objects.select_for_update()
        .select_related("service")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        raise ValidationError({"candidate": ["No problem candidate with this id."]})
    permissions.require(actor, COORDINATE, candidate)
    if candidate.status != CandidateStatus.OPEN:
        raise DomainError(f"This candidate is already {candidate.get_status_display().lower()}.")
    return candidate


def candidate_register(
    *,
    actor: Person,
    candidate_id: int,
    title: str = "",
    description: str = "",
    specialist_id: int | None = None,
    support_group_id: int | None = None,
) -> ProblemInvestigation:
    """Proc. 1: the problem coordinator registers a problem investigation from a cluster
    of similar incident requests, with those of its requests still not linked to a problem
    (one linked meanwhile is skipped), the cluster's category and CI."""
    with transaction.atomic():
        candidate = _lock(actor, candidate_id)
        incident_ids = list(
            candidate.incidents.filter(problem_link__isnull=True).values_list("pk", flat=True)
        )
        if not incident_ids:
            raise DomainError("Every incident request of this cluster is linked to a problem.")
        problem = _problems.problem_register(
            actor=actor, title=(title or "").strip() or candidate.label,
            description=description or f"Proposed from {candidate.size} similar incident "
            f"requests: {candidate.label}.", service_id=candidate.service_id,
            category_id=candidate.category_id, ci_ids=[candidate.ci_id] if candidate.ci_id else [],
            incident_ids=incident_ids, source=ProblemSource.CANDIDATE,
            support_group_id=support_group_id, specialist_id=specialist_id,
        )  # fmt: skip
        candidate.problem = problem
        candidate.decided_by, candidate.decided_at = actor, timezone.now()
        transitions.transition(
            candidate, CandidateStatus.REGISTERED, actor=actor, workflow=workflows.CANDIDATE,
            reason=f"Registered as {problem.number}.",
            also=["problem", "decided_by", "decided_at"],
        )  # fmt: skip
        journal.system(problem, text=f"Registered from the cluster “{candidate.label}” "
                       f"({len(incident_ids)} incident requests).", data={"candidate": candidate.pk})  # fmt: skip
        notify.record_event(record=candidate, event="problems.problem_candidate.registered",
                            actor=actor, data={"problem": problem.pk})  # fmt: skip
    return problem


def candidate_dismiss(*, actor: Person, candidate_id: int, reason: str) -> ProblemCandidate:
    """Proc. 1: the problem coordinator judges the cluster is no problem (the reason is
    kept); it is not proposed again unless it grows."""
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why this cluster is no problem."]})
    with transaction.atomic():
        candidate = _lock(actor, candidate_id)
        candidate.dismissal_reason = reason.strip()
        candidate.decided_by, candidate.decided_at = actor, timezone.now()
        transitions.transition(
            candidate, CandidateStatus.DISMISSED, actor=actor, workflow=workflows.CANDIDATE,
            reason=candidate.dismissal_reason,
            also=["dismissal_reason", "decided_by", "decided_at"],
        )  # fmt: skip
        notify.record_event(record=candidate, event="problems.problem_candidate.dismissed",
                            actor=actor)  # fmt: skip
    return candidate
