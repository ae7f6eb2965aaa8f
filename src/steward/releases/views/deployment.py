"""Pages of the deployment side of Release Management (seed 004): release policies (list,
new, record page, edit), the "Deployment" card of the release page (stages, baselines with
what the release changed in the CMDB, rollbacks) and the emergency release form. The
deployment steps themselves are rows of ``actions.RELEASE`` (their URLs come from the
release views)."""

from typing import Any

from django.urls import reverse, reverse_lazy

from steward.configuration.services import baselines as cmdb_baselines
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
)
from steward.releases.forms.deployment import (
    EmergencyReleaseForm,
    ReleasePolicyEditForm,
    ReleasePolicyForm,
    policy_initial,
)
from steward.releases.models import Release, ReleaseBaseline, ReleasePolicy
from steward.releases.queries import deployment as queries
from steward.releases.services import deployment as svc

VIEW = "releases.release.view"
POLICIES = reverse_lazy("releases:policy-list")


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def path_text(policy: ReleasePolicy | None) -> str:
    environments = (policy.environments or svc.DEFAULT_PATH) if policy else svc.DEFAULT_PATH
    wanted = set(environments) | {svc.PRODUCTION}
    return " → ".join(svc.LABELS[e] for e in svc.DEFAULT_PATH if e in wanted)


# --- Release policies ----------------------------------------------------------------------


class ReleasePolicyListView(RecordListView):
    permission = VIEW
    title = "Release policies"
    query = queries.policies_for
    default_sort = "service__name"
    create_url_name = "releases:policy-create"
    create_permission = svc.MANAGE
    create_label = "New release policy"
    saved_views = False
    columns = (
        Column("service", "Service", value="service.name", sort="service__name", link=True),
        Column("path", "Environments", value=path_text),
        Column("acceptance", "Acceptance test", value=lambda p: _yes(p.acceptance_test_required)),
        Column("baseline", "Baseline", value=lambda p: _yes(p.baseline_required)),
        Column("major", "Major releases", value="major_frequency", classes="hide-sm"),
        Column("minor", "Minor releases", value="minor_frequency", classes="hide-sm"),
    )


class ReleasePolicyDetailView(RecordDetailView):
    permission = VIEW
    query_one = queries.policy_for
    list_url_name = "releases:policy-list"
    kind_label = "Release policy"

    def get_title(self, obj: ReleasePolicy) -> str:
        return f"Release policy of {obj.service.name}"

    def get_fields(self, obj: ReleasePolicy) -> list[Field]:
        return [
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Environments", path_text(obj)),
            Field("Acceptance test before production", _yes(obj.acceptance_test_required)),
            Field("CMDB baseline before production", _yes(obj.baseline_required)),
            Field("Major releases", obj.major_frequency or None),
            Field("Minor releases", obj.minor_frequency or None),
            Field("Description", obj.description, wide=True),
            Field("Emergency releases", obj.emergency_rules, wide=True),
        ]

    def get_actions(self, obj: ReleasePolicy) -> list[Any]:
        return [Action("Edit", reverse("releases:policy-edit", args=[obj.pk]), svc.MANAGE)]


class ReleasePolicyCreateView(ServiceFormView):
    """Seed 004: the release policy of a service."""

    permission = svc.MANAGE
    form_class = ReleasePolicyForm
    title = "New release policy"
    submit_label = "Save"
    success_message = "Release policy saved."
    cancel_url = POLICIES

    def perform(self, form: ReleasePolicyForm) -> Any:
        return svc.release_policy_create(actor=self.actor, **form.data_for_service())


class ReleasePolicyEditView(RecordEditView):
    permission = svc.MANAGE
    query_one = queries.policy_for
    form_class = ReleasePolicyEditForm
    title_format = "Edit the release policy of {obj.service.name}"
    success_message = "Release policy saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return policy_initial(self.get_object())

    def perform(self, form: ReleasePolicyEditForm) -> Any:
        return self.update_record(form, svc.release_policy_update, "policy_id",
                                  data=form.data_for_service())  # fmt: skip


# --- Emergency releases --------------------------------------------------------------------


class EmergencyReleaseView(ServiceFormView):
    """Seed 004: an emergency release for an emergency change."""

    permission = svc.COORDINATE
    form_class = EmergencyReleaseForm
    title = "Emergency release"
    submit_label = "Register and coordinate"
    success_message = "Emergency release registered: it is in coordination."
    cancel_url = reverse_lazy("releases:release-list")

    def perform(self, form: EmergencyReleaseForm) -> Any:
        return svc.release_emergency(actor=self.actor, **form.service_kwargs())


# --- The release page's "Deployment" card ------------------------------------------------


def _comparison(before: ReleaseBaseline, after: ReleaseBaseline | None) -> dict[str, Any]:
    result = cmdb_baselines.baseline_compare(before.baseline, after.baseline if after else None)
    result["total"] = sum(result["counts"].values())
    return result


def deployment_section(request: Any, release: Release) -> dict[str, Any]:
    """The deployment of the release: its path with each stage's plan and transfer, the
    acceptance test, the CMDB baselines (what the release changed: before compared with
    after, or with now while no after-baseline is taken) and the rollbacks."""
    if release.is_backlog:
        return {"deployment": None}
    policy = svc.policy_of(release.service_id)
    path = svc.path_of(release, policy)
    stages = {s.environment: s for s in queries.stages_of(release)}
    expected = svc.expected_environment(release)
    rows = [{"environment": e, "label": svc.LABELS[e], "stage": stages.get(e),
             "next": e == expected and release.status == "coordination"} for e in path]  # fmt: skip
    off_path = [s for e, s in stages.items() if e not in path]
    links = list(queries.baselines_of(release))
    before = next((b for b in reversed(links) if b.moment == ReleaseBaseline.BEFORE), None)
    after = next((b for b in reversed(links) if b.moment == ReleaseBaseline.AFTER), None)
    if after is not None and before is not None and after.created_at < before.created_at:
        after = None  # from an earlier production transfer
    can_compare = permissions.has(request.user, "configuration.ci.view")
    for link in links:
        link.compare_url = (
            reverse("configuration:baseline-compare", args=[link.baseline_id])
            if can_compare else ""
        )  # fmt: skip
    comparison = None
    compare_url = ""
    if before is not None and can_compare and (release.production_at or after):
        comparison = _comparison(before, after)
        compare_url = reverse("configuration:baseline-compare", args=[before.baseline_id])
        if after is not None:
            compare_url += f"?other={after.baseline_id}"
    return {
        "deployment": {
            "policy": policy,
            "path": path_text(policy),
            "acceptance_required": svc.requires_acceptance(release, policy),
            "baseline_required": svc.requires_baseline(release, policy),
            "rows": rows,
            "off_path": off_path,
            "expected": svc.LABELS.get(expected) if expected else None,
            "baselines": links,
            "before": before,
            "after": after,
            "comparison": comparison,
            "compare_url": compare_url,
            "rollbacks": list(queries.rollbacks_of(release)),
        }
    }


urlpatterns = [
    *record_paths(
        "releases/policies",
        "policy",
        list=ReleasePolicyListView,
        create=ReleasePolicyCreateView,
        detail=ReleasePolicyDetailView,
        edit=ReleasePolicyEditView,
    ),
    *record_paths("releases/emergency", "release-emergency", create=EmergencyReleaseView),
]
