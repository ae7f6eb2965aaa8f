"""Where areas plug into the shell: navigation, global search and "My work".

Each area registers its entries in its AppConfig.ready(); the shell never imports
an area directly, so adding an area means adding an app, not editing core.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    area: str  # heading in the navigation ("Service desk", "Configuration", ...)
    label: str
    url_name: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class SearchHit:
    kind: str
    number: str
    title: str
    url: str
    detail: str = ""


@dataclass
class WorkSection:
    """A block on the "My work" page: records assigned to me or my groups."""

    title: str
    rows: list[Any] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    list_url: str = ""
    empty_text: str = "Nothing here."


NAV: list[NavItem] = []
SEARCH_PROVIDERS: list[Callable[[Any, str], list[SearchHit]]] = []
WORK_PROVIDERS: list[Callable[[Any], list[WorkSection]]] = []
# Idempotent reference data every installation needs (CI classes, relationship types):
# ``steward init`` runs these after migrating, before any demo data.
INIT_STEPS: list[Callable[[], dict[str, int]]] = []

# The order in which process areas appear in the navigation.
AREA_ORDER = [
    "Service desk",
    "Problems",
    "Changes",
    "Releases",
    "Service level",
    "Configuration",
    "Operations",
    "Availability & capacity",
    "Continuity",
    "Finance",
    "Security",
    "Reports",
    "Directory",
    "Administration",
]


def nav(area: str, label: str, url_name: str, permission: str, order: int = 100) -> None:
    if not any(item.url_name == url_name for item in NAV):
        NAV.append(NavItem(area, label, url_name, permission, order))


def search_provider(fn: Callable[[Any, str], list[SearchHit]]) -> Callable:
    if fn not in SEARCH_PROVIDERS:
        SEARCH_PROVIDERS.append(fn)
    return fn


def work_provider(fn: Callable[[Any], list[WorkSection]]) -> Callable:
    if fn not in WORK_PROVIDERS:
        WORK_PROVIDERS.append(fn)
    return fn


def init_step(fn: Callable[[], dict[str, int]]) -> Callable:
    """Register reference data to create on ``steward init``; returns counts of what it added."""
    if fn not in INIT_STEPS:
        INIT_STEPS.append(fn)
    return fn
