"""The release page's sections of the high-level plan (proc. 2), release coordination and
the post-implementation review (proc. 4); their steps are rows of ``actions.RELEASE``
(the per-change buttons and forms post to the rows' own URLs)."""

from typing import Any

from steward.releases.actions import RELEASE
from steward.releases.choices import PlanItemStatus, ReleaseStatus
from steward.releases.forms.coordination import CompleteChangeForm
from steward.releases.models import Release
from steward.releases.services import coordination as coord
from steward.releases.services import review

P = PlanItemStatus


def _offered(request: Any, release: Release, key: str) -> bool:
    return RELEASE.offered(RELEASE[key], request.user, release)


def plan_section(request: Any, release: Release) -> dict[str, Any]:
    """The plan: its changes in schedule order (start and end day, the critical path),
    who coordinates each, what it covers, its request for change and change."""
    if release.is_backlog:
        return {"plan_shown": False}
    items = release.plan_items.select_related(
        "service", "change_coordinator", "request", "request__change"
    ).prefetch_related("rfcs", "depends_on")
    plan = coord.schedule(items)
    cancelled = [i for i in items if i.status == P.CANCELLED]
    return {
        "plan_shown": True,
        "plan_rows": plan["rows"],
        "plan_total": plan["total"],
        "plan_cancelled": cancelled,
        "plan_may_remove": _offered(request, release, "remove-plan-item-row"),
        "plan_may_send": _offered(request, release, "send-item-row"),
    }


def coordination_section(request: Any, release: Release) -> dict[str, Any]:
    """Proc. 4: progress (n of m changes ended), the changes under way with the form
    recording each one's outcome, and the release coordinator's updates."""
    if release.is_backlog or release.status in (ReleaseStatus.REGISTERED,
                                                ReleaseStatus.JUSTIFICATION,
                                                ReleaseStatus.ABANDONED):  # fmt: skip
        return {"coordination_shown": False}
    counts = coord.progress(release)
    may_complete = _offered(request, release, "complete-change-row")
    under_way = []
    for item in release.plan_items.filter(status=P.REQUESTED).select_related(
        "change_coordinator", "request", "request__change"
    ):
        form = (
            CompleteChangeForm(actor=request.user, record=release, auto_id=f"complete-{item.pk}-%s")
            if may_complete
            else None
        )
        under_way.append((item, form))
    ended = release.plan_items.filter(status__in=coord.ENDED_ITEMS).select_related(
        "change_coordinator", "request", "request__change"
    )
    from steward.core.models import JournalEntry

    updates = (
        JournalEntry.objects.filter(
            record_type__app_label="releases",
            record_type__model="release",
            record_id=release.pk,
            kind="work_note",
        )
        .select_related("actor")
        .order_by("-created_at")[:20]
    )
    return {
        "coordination_shown": True,
        "coordination_progress": counts,
        "coordination_under_way": under_way,
        "coordination_ended": list(ended),
        "coordination_updates": list(updates),
    }


def review_section(request: Any, release: Release) -> dict[str, Any]:
    """Proc. 4: the post-implementation review: when, who attended (the service owner and
    the change coordinators expected), the suggestions and decisions, published or not."""
    if release.status not in (ReleaseStatus.REVIEW, ReleaseStatus.CLOSED) or release.is_backlog:
        return {"review_shown": False}
    attendees = list(release.review_attendees.all())
    expected = [*review.owners(release.service), *review.release_change_coordinators(release)]
    return {
        "review_shown": True,
        "review_attendees": attendees,
        "review_absent": [p for p in dict.fromkeys(expected) if p not in attendees]
        if release.review_held_at
        else [],
        "review_expected": list(dict.fromkeys(expected)),
    }
