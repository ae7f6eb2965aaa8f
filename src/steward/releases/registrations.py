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


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic)


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic)


# --- kpis: KPIs and the roadmap ---------------------------------------------------------
# (section owned by the kpis topic)
