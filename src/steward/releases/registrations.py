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


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic)


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


# --- kpis: KPIs and the roadmap ---------------------------------------------------------
# (section owned by the kpis topic)
