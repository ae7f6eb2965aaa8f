"""Action tables: one declaration per record type of what can be done to a record.

An ``ActionTable`` lists the ``Action``s of one record type (take, assign, resolve ...):
the service each calls, the permission and the predicate that decide whether it is
offered, the states it applies to, the page form and the API request serializer, the
message and the look of its button. From that one table come

- the record page's buttons and forms (``panel()``, rendered by the include
  ``core/partials/action_panel.html``),
- the page URLs, one generic POST view per action (``core.views.actions.ActionView``),
- the API endpoints ``POST /api/v1/<records>/{id}/<key>/`` with their schemas
  (``core.api.actions.ActionTableViewSet``), and
- the "next steps" of a record for the API (``next_steps()``).

An action may act on a row of the record rather than the record itself (a member of a
group, a holiday of a calendar, an action of an incident): its ``route`` carries the
row's id, ``row`` fetches the row (404 when it is not the record's) and ``row_arg`` or
``url_args`` give the service its id. Such actions are posted from the row's own button
or form on the record page, never offered in the panel.

The table only *offers*: the service is still called with ``actor=``, the record's id and
the form's (or serializer's) data, and checks the state, the right and the input itself.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django import forms
from django.db.models import Model
from django.http import Http404
from django.urls import reverse

from steward.core import permissions
from steward.core.workflows import Workflow


@dataclass(frozen=True)
class Posted:
    """What an action's success message may name: the record, the row it acted on, the
    service's result and the form's data."""

    record: Any
    row: Any = None
    result: Any = None
    data: Mapping[str, Any] = field(default_factory=dict)


def always(actor: Any, record: Any) -> bool:
    """The default ``when``: the permission and the state decide alone."""
    return True


@dataclass(frozen=True)
class Action:
    """One thing a person may do to a record, posted to ``<record url>/<route>``."""

    key: str  # the URL slug, the API action's path and the page URL name's suffix
    label: str
    # The service, or its name in the table's ``services`` module.
    service: str | Callable[..., Any]
    # Checked to offer the action and to open its URL; the service checks it again.
    permission: str | None = None
    # The record states it applies to; None: any state.
    statuses: Sequence[str] | None = None
    form_class: type[forms.Form] | None = None
    # The API's request body: a serializer class or its dotted path (for one declared in
    # an API module that imports this table); None: derived from ``form_class``, or no
    # body without one.
    serializer: type | str | None = None
    # The success message, or a function giving it from what was posted (``Posted``).
    done: str | Callable[[Posted], str] = "Saved."
    style: str = ""  # "primary", "danger" (asks before posting)
    ask: str = ""  # the question asked before posting (a "danger" one asks anyway)
    # Who reads the free text of the form is said by the form's ``inputs`` (core.fields);
    # ``help`` is shown to the person filling it in.
    help: str = ""
    when: Callable[[Any, Any], bool] = always
    # Held on the record (True) or anywhere (False: the service narrows it, e.g. to the
    # approvers of the current round).
    record_permission: bool = True
    # The form takes ``actor=`` and ``record=`` (GuardedForm); False: a plain form.
    form_takes_actor: bool = True
    # Field ids prefixed with the key: several action forms on one page share field names.
    own_ids: bool = True
    # Initial values of the page form from the record.
    initial: Callable[[Any], dict[str, Any]] | None = None
    # A template laying the form's fields out by hand (default: the core field list).
    fields_template: str = ""
    route: str = ""  # below the record's URL; default ``<key>/``
    url_name: str = ""  # default ``<table name>-<key>``
    # The part of the record page to return to ("#lines").
    fragment: str = ""
    # Service arguments taken from the URL besides the record (the line to remove).
    url_args: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    # The row acted on, from (actor, record, URL kwargs): Http404 when it is not one of
    # the record's, or a ValidationError to come back with as a message.
    row: Callable[[Any, Any, Mapping[str, Any]], Any] | None = None
    # The service takes the row's id under this keyword instead of the record's.
    row_arg: str = ""
    # The service's keyword for the record's id, when not the table's ``record_arg``.
    record_arg: str = ""
    # The form field a service refusal is shown on (default: the fields it names).
    error_field: str = ""
    # The service's keyword arguments from the form's or the body's data (default: as is).
    arguments: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # A form on a page of its own (terminate, discontinue), titled with this ("{obj}": the
    # record), linked from the record's header; refused, the form page comes back.
    page_title: str = ""
    # The label for one record (Renew an expired contract; default ``label``).
    label_of: Callable[[Any], str] | None = None
    # Where it is offered: the record page (in the panel, or by a form the page lays out
    # elsewhere), the API.
    page: bool = True
    in_panel: bool = True
    api: bool = True
    # The API handler's name, when the key cannot be one (``return`` is a Python keyword).
    method: str = ""
    # The API answers 201: the step adds something to the record (a quote to a requisition).
    creates: bool = False
    summary: str = ""  # the API operation's summary (default: the label)
    description: str = ""

    def done_text(self, posted: Posted) -> str:
        return self.done(posted) if callable(self.done) else self.done

    def label_for(self, record: Any) -> str:
        return self.label_of(record) if self.label_of else self.label

    @property
    def on_row(self) -> bool:
        """Posted from a row of the record page (its URL names the row), not the panel."""
        return self.row is not None or self.url_args is not None

    @property
    def confirm(self) -> bool:
        """A destructive action asks before posting."""
        return self.style == "danger" or bool(self.ask)

    @property
    def method_name(self) -> str:
        return self.method or self.key.replace("-", "_")


@dataclass
class ActionTable:
    """The actions of one record type, in the order the page offers them."""

    name: str  # the page URL names: ``<namespace>:<name>-<key>``
    query_one: Callable[[Any, Any], Model]  # (actor, pk) -> the record, 404 when invisible
    record_arg: str  # the service's keyword for the record's id
    actions: Sequence[Action]
    services: ModuleType | None = None
    namespace: str = ""
    prefix: str = ""  # the page URL of a record below the site: ``<prefix>/<pk>/``
    status_field: str = "status"
    # Who may open the page URL of an action without a permission of its own.
    page_permission: str | None = None
    # One message per refusal reason (a requisition lists every missing piece).
    split_errors: bool = False
    record_url: Callable[[Any], str] | None = None
    by_key: dict[str, Action] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_key = {a.key: a for a in self.actions}
        if len(self.by_key) != len(self.actions):
            raise ValueError(f"Action table {self.name}: two actions share a key.")

    def __getitem__(self, key: str) -> Action:
        return self.by_key[key]

    def __iter__(self) -> Any:
        return iter(self.actions)

    # -- offering ------------------------------------------------------------------------

    def applies(self, action: Action, record: Any) -> bool:
        if action.statuses is None:
            return True
        return getattr(record, self.status_field) in action.statuses

    def offered(self, action: Action, actor: Any, record: Any) -> bool:
        """Whether ``actor`` is offered ``action`` on ``record``; the service decides."""
        return (
            self.applies(action, record)
            and self.permitted(action, actor, record)
            and action.when(actor, record)
        )

    def permitted(self, action: Action, actor: Any, record: Any) -> bool:
        if action.permission is None:
            return True
        return permissions.has(
            actor, action.permission, record if action.record_permission else None
        )

    def allowed(self, actor: Any, record: Any, *, where: str = "page") -> list[Action]:
        """The actions to offer ``actor`` on ``record`` (``where``: "page" or "api")."""
        return [a for a in self.actions if getattr(a, where) and self.offered(a, actor, record)]

    # -- calling -------------------------------------------------------------------------

    def service_of(self, action: Action) -> Callable[..., Any]:
        if callable(action.service):
            return action.service
        if self.services is None:
            raise ImproperlyConfiguredTable(f"{self.name}: no services module for {action.key}.")
        return getattr(self.services, action.service)

    def perform(
        self,
        action: Action,
        *,
        actor: Any,
        record: Any,
        data: Mapping[str, Any] | None = None,
        url_kwargs: Mapping[str, Any] | None = None,
        row: Any = None,
    ) -> Any:
        """Call the action's service: ``actor=``, the record's (or the row's) id, the
        input's data."""
        extra = action.url_args(url_kwargs or {}) if action.url_args else {}
        if action.row_arg:
            target = {action.row_arg: row.pk}
        else:
            target = {action.record_arg or self.record_arg: record.pk}
        given = dict(data or {})
        arguments = action.arguments(given) if action.arguments else given
        return self.service_of(action)(actor=actor, **target, **extra, **arguments)

    # -- pages ---------------------------------------------------------------------------

    def form(
        self, action: Action, actor: Any, data: Any = None, record: Any = None
    ) -> forms.Form | None:
        """The page form of ``action`` (None: a button without fields)."""
        if action.form_class is None:
            return None
        kwargs: dict[str, Any] = {"auto_id": f"{action.key}-%s"} if action.own_ids else {}
        if action.form_takes_actor:
            kwargs.update(actor=actor, record=record)
        return action.form_class(data, **kwargs)

    def full_url_name(self, action: Action) -> str:
        name = action.url_name or f"{self.name}-{action.key}"
        return f"{self.namespace}:{name}" if self.namespace else name

    def url(self, action: Action, record: Any) -> str:
        return reverse(self.full_url_name(action), args=[record.pk])

    def return_url(self, record: Any) -> str:
        return self.record_url(record) if self.record_url else record.get_absolute_url()

    def panel(
        self, actor: Any, record: Any, *, failed: str = "", form: forms.Form | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """The record page's offer: ``buttons`` (no fields) and ``steps`` (a form each);
        the action that was ``failed`` carries the posted ``form`` with its errors."""
        buttons, steps = [], []
        for action in self.allowed(actor, record):
            if not action.in_panel or action.on_row or action.page_title:
                continue
            shown = form if action.key == failed else self.form(action, actor, record=record)
            if shown is not None and not shown.is_bound and action.initial:
                shown.initial = action.initial(record)
            entry = {
                "action": action,
                "step": action,  # the name the incident record page's tests read
                "form": shown,
                "url": self.url(action, record),
                "open": action.key == failed,
            }
            (buttons if shown is None else steps).append(entry)
        return {"buttons": buttons, "steps": steps}

    # -- API -----------------------------------------------------------------------------

    def next_steps(self, actor: Any, record: Any) -> list[dict[str, Any]]:
        """What ``actor`` may do next to ``record`` through the API, in the page's order."""
        return [
            {"key": a.key, "label": a.label, "help": a.help, "has_body": has_body(a)}
            for a in self.allowed(actor, record, where="api")
        ]


def ranked(
    panel: Mapping[str, list[dict[str, Any]]],
    primary: str | None,
    *,
    link: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``panel`` (``ActionTable.panel``) with one step put first as the primary action:
    the row ``primary`` when offered, else ``link`` (a step outside the table, such as a
    reply: ``label`` and ``url``). The other buttons become secondary and the other forms
    go under "More" (open when one of them failed)."""
    chosen = None
    for entry in [*panel["buttons"], *panel["steps"]]:
        if entry["action"].key == primary:
            chosen = entry
    more = [e for e in panel["steps"] if e is not chosen]
    return {
        **panel,  # buttons and steps stay whole for their readers
        "ranked": True,
        "primary": chosen,
        "primary_link": None if chosen is not None else link,
        "secondary_buttons": [e for e in panel["buttons"] if e is not chosen],
        "more_steps": more,
        "more_open": any(e["open"] for e in more),
    }


def row_in(
    rows: Callable[[Any, Mapping[str, Any]], Any], missing: str
) -> Callable[[Any, Any, Mapping[str, Any]], Any]:
    """An action's ``row``: the first of ``rows(record, url_kwargs)`` (a queryset of the
    record's rows), else 404 with ``missing``."""

    def row(actor: Any, record: Any, url_kwargs: Mapping[str, Any]) -> Any:
        found = rows(record, url_kwargs).first()
        if found is None:
            raise Http404(missing)
        return found

    return row


def leading_to(workflow: Workflow, *targets: str) -> tuple[str, ...]:
    """The states from which ``workflow`` allows moving to one of ``targets``: an action's
    ``statuses`` read from the transition table instead of written twice."""
    return tuple(
        sorted(state for state in workflow.states if workflow.allowed(state) & set(targets))
    )


class ImproperlyConfiguredTable(Exception):
    """A table names a service it cannot find."""


def has_body(action: Action) -> bool:
    return action.serializer is not None or action.form_class is not None
