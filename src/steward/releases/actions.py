"""The action tables of Release Management (``core.actions``): the buttons of the
release, request-for-change handling, CAB meeting and business case pages (seed 003
ch. 10), each with its page URL and its ``POST /api/v1/<records>/{id}/<key>/``. The
services check everything again."""

from collections.abc import Mapping  # noqa: F401  (for the sections' URL helpers)
from typing import Any  # noqa: F401

from steward.core.actions import Action, ActionTable
from steward.releases.choices import ReleaseStatus as _S  # noqa: F401
from steward.releases.queries import releases as release_queries
from steward.releases.services import releases as _releases  # noqa: F401

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


# --- the release table, built from the sections' rows --------------------------------
# fmt: off
RELEASE = ActionTable(
    name="release", namespace="releases", prefix="releases",
    query_one=release_queries.release_for, record_arg="release_id", actions=RELEASE_ROWS,
)
# fmt: on
