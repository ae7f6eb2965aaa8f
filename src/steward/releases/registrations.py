"""Release Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
ReleasesConfig.ready()."""

from typing import Any

from steward.core import registry
from steward.core.registry import SearchHit, WorkList, WorkSection
from steward.releases.choices import OPEN_RELEASE_STATUSES
from steward.releases.queries import releases as release_queries

AREA = "Releases"
VIEW = "releases.release.view"
COORDINATE = "releases.release.coordinate"
WORK_LIMIT = 50  # rows per "My work" section of this area


# --- releases: registration and editing (proc. 2) -------------------------------------
# (section owned by the releases topic: the foundation)
registry.nav(AREA, "Releases", "releases:release-list", VIEW, 10)


@registry.search_provider
def search_releases(actor: Any, text: str) -> list[SearchHit]:
    """Releases by number and title."""
    qs = registry.found(actor, text, VIEW, release_queries.releases_for, ["title"],
                        exact=["number"], order=("-number", "pk"))  # fmt: skip
    return [
        SearchHit.of("Releases", r, r.title, f"{r.service.name} · {r.get_status_display()}")
        for r in qs
    ]


def _row(r: Any) -> dict[str, Any]:
    return {
        "number": r.number,
        "title": r.title,
        "status": r.get_status_display(),
        "service": r.service.name,
        "url": r.get_absolute_url(),
    }


def _coordinated(actor: Any) -> list[dict[str, Any]]:
    qs = release_queries.releases_for(actor).filter(
        coordinator_id=actor.pk, status__in=OPEN_RELEASE_STATUSES
    )
    return [_row(r) for r in qs.order_by("number")[:WORK_LIMIT]]


RELEASE_WORK = [
    WorkList(COORDINATE, "Releases I coordinate", _coordinated,
             ("number", "title", "status", "service"), "releases:release-list",
             "?mine=coordinated", "You coordinate no open release."),
]  # fmt: skip


@registry.work_provider
def release_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, RELEASE_WORK)


# --- handling: request for change handling (proc. 1) ----------------------------------
# (section owned by the handling topic)
from steward.changes.services.rfcs import RFC_RECEIVED  # noqa: E402
from steward.releases.choices import HandlingStatus  # noqa: E402
from steward.releases.services import handling as handling_svc  # noqa: E402

registry.nav(AREA, "Requests to handle", "releases:handling-list", VIEW, 20)
# Change Management hands a request over (ch. 3 proc. 1): its handling is made here.
registry.provide(RFC_RECEIVED, handling_svc.handling_receive)


def _to_review(actor: Any) -> list[dict[str, Any]]:
    """Received requests on the services the actor coordinates releases for."""
    from steward.core import permissions

    qs = release_queries.handlings_for(actor).filter(status=HandlingStatus.RECEIVED)
    rows = []
    for h in qs.order_by("received_at", "pk")[: WORK_LIMIT * 4]:
        if permissions.has(actor, COORDINATE, h) and len(rows) < WORK_LIMIT:
            rows.append({"number": h.rfc.number, "title": h.rfc.title,
                         "service": h.service.name, "received": f"{h.received_at:%Y-%m-%d}",
                         "url": h.get_absolute_url()})  # fmt: skip
    return rows


HANDLING_WORK = [
    WorkList(COORDINATE, "Requests for change to review", _to_review,
             ("number", "title", "service", "received"), "releases:handling-list",
             "?status=received", "No request for change is waiting for your review."),
]  # fmt: skip


@registry.work_provider
def handling_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, HANDLING_WORK)


# --- cabs: CABs, meetings and votes (proc. 2) -------------------------------------------
# (section owned by the cabs topic)
registry.nav(AREA, "CABs", "releases:cab-list", VIEW, 30)
registry.nav(AREA, "CAB meetings", "releases:meeting-list", VIEW, 31)


@registry.search_provider
def search_meetings(actor: Any, text: str) -> list[SearchHit]:
    """CAB meetings by number and CAB name."""
    from steward.releases.queries import releases as queries

    qs = registry.found(actor, text, VIEW, queries.meetings_for, ["cab__name"],
                        exact=["number"], order=("-number", "pk"))  # fmt: skip
    return [SearchHit.of("CAB meetings", m, m.cab.name,
                         f"{m.starts_at:%Y-%m-%d %H:%M} · {m.get_status_display()}") for m in qs]  # fmt: skip


def _to_vote(actor: Any) -> list[dict[str, Any]]:
    from steward.releases.queries import cabs as cab_queries

    qs = cab_queries.meetings_to_vote(actor).order_by("starts_at", "pk")[:WORK_LIMIT]
    return [{"number": m.number, "title": m.cab.name, "status": m.get_status_display(),
             "service": m.cab.service.name, "url": m.get_absolute_url()} for m in qs]  # fmt: skip


CAB_WORK = [
    WorkList("releases.cab.vote", "CAB meetings to vote in", _to_vote,
             ("number", "title", "status", "service"), "releases:meeting-list",
             "?show=upcoming", "No CAB meeting waits for your votes."),
]  # fmt: skip


@registry.work_provider
def cab_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, CAB_WORK)


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic)
from steward.releases.queries import justification as case_queries  # noqa: E402

APPROVE = "releases.business_case.approve"
registry.nav(AREA, "Business cases", "releases:business-case-list", VIEW, 40)


def _case_row(c: Any) -> dict[str, Any]:
    return {
        "number": c.number,
        "title": f"{c.release.number} {c.release.title}",
        "service": c.release.service.name,
        "requested": f"{c.budget_requested:,.2f}",
        "url": c.get_absolute_url(),
    }


def _to_approve(actor: Any) -> list[dict[str, Any]]:
    qs = case_queries.to_approve(actor).order_by("submitted_at", "pk")
    return [_case_row(c) for c in qs[:WORK_LIMIT]]


CASE_WORK = [
    WorkList(APPROVE, "Business cases to approve", _to_approve,
             ("number", "title", "service", "requested"), "releases:business-case-list",
             "?mine=to_approve", "No business case waits for your approval."),
]  # fmt: skip


@registry.work_provider
def business_case_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, CASE_WORK)


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic)
from steward.releases.queries import coordination as coordination_queries  # noqa: E402
from steward.releases.services import coordination as coordination_services  # noqa: E402

# Change Management tells the release coordinator when a release's change closes.
registry.provide("releases.change_closed", coordination_services.change_closed)


def _sent_to_me(actor: Any) -> list[dict[str, Any]]:
    qs = coordination_queries.sent_to(actor).order_by("sent_at", "pk")[:WORK_LIMIT]
    return [
        {
            "number": item.request.number if item.request_id else item.release.number,
            "title": item.title,
            "status": item.get_status_display(),
            "service": item.service.name,
            "release": item.release.number,
            "url": item.request.get_absolute_url()
            if item.request_id
            else item.release.get_absolute_url(),
        }
        for item in qs
    ]


COORDINATION_WORK = [
    WorkList("changes.rfc.review", "Release requirements sent to me", _sent_to_me,
             ("number", "title", "release", "service"), "releases:release-list",
             "?show=open&status=coordination", "No release requirements are waiting for you.",
             hide_empty=True),
]  # fmt: skip


@registry.work_provider
def coordination_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, COORDINATION_WORK)


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic)
registry.nav(AREA, "Release policies", "releases:policy-list", VIEW, 60)


def _to_deploy(actor: Any) -> list[dict[str, Any]]:
    """Releases being coordinated that are not in production yet: the release
    administrator's transfers to come."""
    from steward.releases.choices import ReleaseStatus

    qs = release_queries.releases_for(actor).filter(
        status=ReleaseStatus.COORDINATION, production_at__isnull=True
    )
    return [_row(r) for r in qs.order_by("number")[:WORK_LIMIT]]


RELEASE_WORK.append(
    WorkList("releases.deployment.transfer", "Releases to deploy", _to_deploy,
             ("number", "title", "status", "service"), "releases:release-list",
             "?status=coordination", "No release waits for a transfer.")
)  # fmt: skip


# --- kpis: KPIs and the roadmap ---------------------------------------------------------
# (section owned by the kpis topic)
registry.nav(AREA, "Roadmap", "releases:roadmap", VIEW, 15)
registry.nav(AREA, "Release KPIs", "releases:kpis", "releases.kpi.view", 90)
