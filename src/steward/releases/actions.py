"""The action tables of Release Management (``core.actions``): the buttons of the
release, request-for-change handling, CAB meeting and business case pages (seed 003
ch. 10), each with its page URL and its ``POST /api/v1/<records>/{id}/<key>/``. The
services check everything again."""

from collections.abc import Mapping  # noqa: F401  (for the sections' URL helpers)
from typing import Any

from steward.core.actions import Action, ActionTable
from steward.releases.choices import ReleaseStatus as _S
from steward.releases.queries import releases as release_queries
from steward.releases.services import releases as _releases

_API = "steward.releases.api"

# The release's rows: each topic's section below adds its own (``RELEASE_ROWS += [...]``);
# the table is built at the end of the module, in the order the sections add them.
RELEASE_ROWS: list[Action] = []


# --- releases: registration and editing (proc. 2) -------------------------------------
# (section owned by the releases topic: the foundation; editing is the record's edit page)


# --- handling: request for change handling (proc. 1) ----------------------------------
# (section owned by the handling topic: its own table HANDLING)


# --- cabs: CABs, meetings and votes (proc. 2) -------------------------------------------
# (section owned by the cabs topic: its own table MEETING)


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic: RELEASE_ROWS, and its own table BUSINESS_CASE)


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic: RELEASE_ROWS)


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic: RELEASE_ROWS)
from steward.releases.forms import deployment as _dforms  # noqa: E402
from steward.releases.services import deployment as _deployment  # noqa: E402

_DSER = f"{_API}.deployment"
_PLANNABLE = (_S.REGISTERED, _S.JUSTIFICATION, _S.COORDINATION, _S.REVIEW)


def _not_in_production(actor: Any, release: Any) -> bool:
    return release.production_at is None and not release.is_backlog


def _in_acceptance(actor: Any, release: Any) -> bool:
    return release.production_at is None and release.stages.filter(
        environment="acceptance", transferred_at__isnull=False).exists()  # fmt: skip


def _in_production(actor: Any, release: Any) -> bool:
    return release.production_at is not None


def _can_roll_back(actor: Any, release: Any) -> bool:
    return release.production_at is not None and _deployment.before_baseline(release) is not None


# fmt: off
RELEASE_ROWS += [
    Action("plan-deployment", "Plan the deployment", _deployment.deployment_plan,
           _releases.COORDINATE, _PLANNABLE, _dforms.DeploymentPlanForm,
           serializer=f"{_DSER}.DeploymentPlanSerializer", arguments=_dforms.plan_arguments,
           when=lambda actor, release: not release.is_backlog, fragment="#deployment",
           help="When the release goes into each environment of the policy's path and what "
           "is delivered there; the environments not reached yet are replaced.",
           done="Deployment planned.",
           summary="Plan the deployment through the environments (seed 004)"),
    Action("transfer", "Transfer to the next environment", _deployment.release_transfer,
           _releases.TRANSFER, (_S.COORDINATION,), _dforms.TransferForm,
           serializer=f"{_DSER}.ReleaseTransferSerializer", arguments=_dforms.transfer_arguments,
           initial=_dforms.transfer_initial, when=_not_in_production, style="primary",
           fragment="#deployment",
           help="Only the next environment of the path; production after a passed acceptance "
           "test, with a CMDB baseline taken first when the policy requires one.",
           done=lambda posted: f"Transferred to {posted.result.get_environment_display().lower()}.",
           summary="Transfer the release into its next environment (seed 004)"),
    Action("accept", "Record the acceptance test", _deployment.release_accept,
           _releases.TRANSFER, (_S.COORDINATION,), _dforms.AcceptForm,
           serializer=f"{_DSER}.ReleaseAcceptSerializer", arguments=_dforms.accept_arguments,
           when=_in_acceptance, fragment="#deployment", done="Acceptance test recorded.",
           summary="Record the result of the acceptance test (seed 004)"),
    Action("take-after-baseline", "Take the after-deployment baseline",
           _deployment.release_baseline_after, _releases.TRANSFER, _deployment.ROLLBACK_STATUSES,
           when=_can_roll_back, fragment="#deployment",
           done="Baseline taken: the comparison shows what the release changed in the CMDB.",
           summary="Freeze the CMDB after the deployment (compared with the one before)"),
    Action("rollback", "Roll back", _deployment.release_rollback, _releases.TRANSFER,
           _deployment.ROLLBACK_STATUSES, _dforms.RollbackForm,
           serializer=f"{_DSER}.ReleaseRollbackSerializer", when=_can_roll_back,
           style="danger", ask="Restore the CMDB to the baseline taken before production?",
           fragment="#deployment",
           help="Restores every CI and relation of the baseline taken before the production "
           "transfer; the release leaves production.",
           done=lambda posted: f"Rolled back to {posted.result.baseline.number}.",
           summary="Roll the release back to the CMDB baseline before production (seed 004)"),
]
# fmt: on


# --- the release table, built from the sections' rows --------------------------------
# fmt: off
RELEASE = ActionTable(
    name="release", namespace="releases", prefix="releases",
    query_one=release_queries.release_for, record_arg="release_id", actions=RELEASE_ROWS,
)
# fmt: on
