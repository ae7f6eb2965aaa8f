"""Where areas plug into core: navigation, global search, "My work", reference data, API
routes, demo data steps and the kinds of record a role may be limited to.

Each area registers its entries in its AppConfig.ready() (``apps.py`` and
``registrations.py``); core never imports an area, so adding an area means adding an
app, not editing core (``core/tests/test_shape_skeleton.py`` holds it).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from steward.core import permissions


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

    @classmethod
    def of(cls, kind: str, record: Any, title: str, detail: str = "", url: str = "") -> "SearchHit":
        """A hit on ``record``: its number (when it has one) and, unless ``url`` says
        otherwise, its own page."""
        number = getattr(record, "number", "")
        return cls(kind, number, title, url or record.get_absolute_url(), detail)


def words_match(text: str, fields: Iterable[str], *, exact: Iterable[str] = ()) -> Q:
    """What a search provider looks for: every word of ``text`` in one of ``fields`` at
    least (case-insensitive, part of the value), or equal to one of ``exact`` (a number)."""
    condition = Q()
    for word in text.split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        for name in exact:
            any_field |= Q(**{f"{name}__iexact": word})
        condition &= any_field
    return condition


@dataclass
class WorkSection:
    """A block on the "My work" page: records assigned to me or my groups."""

    title: str
    rows: list[Any] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    list_url: str = ""
    empty_text: str = "Nothing here."


# Enough to find something from the header box; the list pages have the full search.
SEARCH_LIMIT = 10


def found(
    actor: Any,
    text: str,
    permission: str | None,
    query: Callable[[Any], Any],
    fields: Iterable[str],
    *,
    exact: Iterable[str] = (),
    order: Iterable[str] = ("pk",),
) -> list[Any]:
    """What a search provider lists: the records of ``query(actor)`` holding every word of
    ``text`` (``words_match``), in ``order``, at most ``SEARCH_LIMIT``; none for a blank
    text or an actor without ``permission`` (None: the query alone decides)."""
    if not text.strip() or (permission is not None and not permissions.has(actor, permission)):
        return []
    qs = query(actor).filter(words_match(text, fields, exact=exact)).order_by(*order)
    return list(qs[:SEARCH_LIMIT])


@dataclass(frozen=True)
class WorkList:
    """A "My work" section an area declares once: shown to holders of ``permission``, its
    rows read by ``rows(actor)``, its link the list page ``url_name`` with ``query``; left
    out while it has no rows when ``hide_empty``."""

    permission: str
    title: str
    rows: Callable[[Any], list[Any]]
    columns: tuple[str, ...]
    url_name: str
    query: str
    empty_text: str
    hide_empty: bool = False


def work_sections(actor: Any, lists: Iterable[WorkList]) -> list[WorkSection]:
    """The sections of ``lists`` the actor holds the permission for, in their order."""
    sections = []
    for work in lists:
        if not permissions.has(actor, work.permission):
            continue
        try:
            url = reverse(work.url_name) + work.query
        except NoReverseMatch:  # an area whose pages are not mounted (API-only set-ups)
            url = ""
        rows = work.rows(actor)
        if work.hide_empty and not rows:
            continue
        sections.append(WorkSection(work.title, rows, list(work.columns), url, work.empty_text))
    return sections


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


# Where customer-side people (only requester / customer representative roles) land after
# signing in and when they open "/": an area's page (the self-service portal), not My work.
CUSTOMER_HOME: list[str] = []


def customer_home(url_name: str) -> None:
    """Register the URL name customer-side people land on (the first registered wins)."""
    if url_name not in CUSTOMER_HOME:
        CUSTOMER_HOME.append(url_name)


def init_step(fn: Callable[[], dict[str, int]]) -> Callable:
    """Register reference data to create on ``steward init``; returns counts of what it added."""
    if fn not in INIT_STEPS:
        INIT_STEPS.append(fn)
    return fn


# --- API routes, demo data and role scopes ------------------------------------------
# Core builds the /api/v1/ router, loads the demo data and lists the scopes a role may be
# limited to from what the areas registered here, so it never imports an area.

# fn(router) adding an area's viewsets; core's own come first (core/api/urls.py).
API_ROUTES: list[Callable[[Any], None]] = []


def api_routes(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register ``fn(router)``, which adds an area's viewsets to the /api/v1/ router."""
    if fn not in API_ROUTES:
        API_ROUTES.append(fn)
    return fn


@dataclass(frozen=True)
class DemoStep:
    """One step of the demo data: ``fn(context)`` adds to the objects made so far."""

    name: str
    fn: Callable[[dict[str, Any]], None]
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()


DEMO_STEPS: dict[str, DemoStep] = {}


def demo_step(
    name: str,
    fn: Callable[[dict[str, Any]], None],
    *,
    after: tuple[str, ...] = (),
    before: tuple[str, ...] = (),
) -> None:
    """Register a demo data step to run after the steps named in ``after`` (and before
    those named in ``before``); the loader runs them in that order."""
    DEMO_STEPS[name] = DemoStep(name, fn, tuple(after), tuple(before))


def demo_steps() -> list[DemoStep]:
    """The registered steps in dependency order (registration order between equals).

    A step naming one that is not registered (its area not installed) ignores it.
    """
    waits: dict[str, set[str]] = {name: set() for name in DEMO_STEPS}
    for step in DEMO_STEPS.values():
        waits[step.name] |= {n for n in step.after if n in DEMO_STEPS}
        for later in step.before:
            if later in DEMO_STEPS:
                waits[later].add(step.name)
    ordered: list[DemoStep] = []
    while waits:
        ready = [name for name, deps in waits.items() if not deps]
        if not ready:
            raise ValueError(f"Demo steps wait for each other: {sorted(waits)}")
        name = ready[0]
        ordered.append(DEMO_STEPS[name])
        del waits[name]
        for deps in waits.values():
            deps.discard(name)
    return ordered


@dataclass(frozen=True)
class RoleScope:
    """A kind of record a role may be limited to (seed 003: "the change coordinator of
    the service"): its ``ScopeKind`` value, model label and plural heading."""

    kind: str
    model: str  # "app_label.ModelName"
    plural: str


ROLE_SCOPES: dict[str, RoleScope] = {}


def role_scope(kind: str, model: str, plural: str) -> None:
    """Register ``model`` ("app_label.ModelName") as the records of scope ``kind``."""
    ROLE_SCOPES[kind] = RoleScope(kind, model, plural)


def role_scope_for_label(label_lower: str) -> RoleScope | None:
    """The scope kind of a model given as ``app_label.modelname``, if one is registered."""
    return next((s for s in ROLE_SCOPES.values() if s.model.lower() == label_lower), None)


# --- Answers a later area gives an earlier one (kpis topic of Change Management) ---------
# An area listed earlier in INSTALLED_APPS may not import a later one (the CMDB records the
# change a CI was changed under; the service report lists a service's changes: both come
# before Change Management). The later area provides the answer under a name in its
# ``ready()``; the earlier one asks ``provider(name)`` and copes with None (not installed).
PROVIDERS: dict[str, Callable[..., Any]] = {}


def provide(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``fn`` as the answer to ``name`` (the last registration wins)."""
    PROVIDERS[name] = fn
    return fn


def provider(name: str) -> Callable[..., Any] | None:
    """The function registered under ``name``, or None when no area provides it."""
    return PROVIDERS.get(name)
