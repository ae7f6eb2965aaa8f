"""The event catalog: every event Steward publishes to webhook subscribers, declared once.

Each area declares its events in ``<area>/events.py`` (``declare``), imported when the
area's services are, so the catalog is complete whenever anything can publish. Names
follow one rule, ``<app_label>.<record>.<verb>``, where ``<record>`` is the model name in
snake_case (``incidents.incident_request.resolved``,
``service_level.catalog_item.published``), so an integrator can guess a name and a
subscription can be checked against the list (``core/webhooks.py``).

Publishing a name nobody declared raises ``UnknownEvent`` at once: a misspelt event is a
programming error that the tests catch, not a webhook nobody ever receives.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models

from steward.core.models import SlaClock

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class UnknownEvent(LookupError):
    """An event name that is not in the catalog."""


@dataclass(frozen=True)
class Event:
    name: str
    model: type[models.Model]
    description: str

    @property
    def record_type(self) -> str:
        """The ``"app.model"`` label of the declared record (``webhooks.record_type_label``)."""
        meta = self.model._meta
        return f"{meta.app_label}.{meta.model_name}"

    @property
    def verb(self) -> str:
        return self.name.rsplit(".", 1)[1]


_CATALOG: dict[str, Event] = {}
# Old name -> new name, while an area's publishing code still uses the old one.
_RENAMED: dict[str, str] = {}


def snake(name: str) -> str:
    """``IncidentRequest`` -> ``incident_request``; ``CIClass`` -> ``ci_class``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def prefix(model: type[models.Model]) -> str:
    """``<app_label>.<record>`` for ``model``: what its events' names start with."""
    return f"{model._meta.app_label}.{snake(model.__name__)}"


def declare(name: str, *, model: type[models.Model], description: str) -> Event:
    """Add ``name`` to the catalog (called at import of ``<area>/events.py``).

    The name must follow the rule for ``model``; declaring the same name twice with the same
    model is harmless (a module imported again), with another model it is an error.
    """
    if not NAME_RE.match(name) or not name.startswith(prefix(model) + "."):
        raise ValueError(f"Event {name!r} must be named {prefix(model)}.<verb> (snake_case).")
    event = Event(name, model, description)
    known = _CATALOG.get(name)
    if known is not None and known.model is not model:
        raise ValueError(f"Event {name!r} is declared already, for {known.model.__name__}.")
    _CATALOG[name] = event
    return event


def declare_many(model: type[models.Model], verbs: Mapping[str, str]) -> list[Event]:
    """``declare`` one event per verb of ``model`` (``{verb: description}``)."""
    return [
        declare(f"{prefix(model)}.{verb}", model=model, description=text)
        for verb, text in verbs.items()
    ]


def renamed(old: str, new: str) -> None:
    """Let code that still publishes ``old`` publish the declared ``new`` name instead.

    Transitional only (pre-1.0 renames): subscribers always see the new name.
    """
    get(new)
    _RENAMED[old] = new


def forget(*names: str) -> None:
    """Drop declared names (tests that declare events of their own clean up with this)."""
    for name in names:
        _CATALOG.pop(name, None)


def get(name: str) -> Event:
    """The declared event ``name`` (or the one an old name was renamed to)."""
    event = _CATALOG.get(_RENAMED.get(name, name))
    if event is None:
        raise UnknownEvent(
            f"Event {name!r} is not declared: add it to the area's events.py (core.events.declare)."
        )
    return event


def catalog() -> list[Event]:
    """Every declared event, by name."""
    return [_CATALOG[name] for name in sorted(_CATALOG)]


def names() -> list[str]:
    return sorted(_CATALOG)


def record_types() -> list[str]:
    """The record types events are declared for (what a subscription may filter on)."""
    return sorted({event.record_type for event in _CATALOG.values()})


def as_markdown() -> str:
    """The catalog as ``docs/EVENTS.md`` shows it (a test keeps the file in step)."""
    lines = [
        "# Webhook events",
        "",
        "Generated from the event catalog (`steward.core.events.catalog()`); "
        "do not edit by hand: `STEWARD_WRITE_EVENTS_DOC=1 pytest src/steward/tests/"
        "test_events.py` rewrites it.",
        "",
        "Every delivery is a signed JSON body `{event, record_type, record_id, number?, "
        "occurred_at, actor, data}` (see ARCHITECTURE.md, Events). A subscription names "
        "one record type (or none for all) and a list of these event names (or none for all).",
        "",
        "| Event | Record type | What happened |",
        "|---|---|---|",
    ]
    lines += [f"| `{e.name}` | `{e.record_type}` | {e.description} |" for e in catalog()]
    return "\n".join(lines) + "\n"


# --- Core's own events -----------------------------------------------------------------
# An SLA clock's alarms. The delivery's record is the timed record (the incident), so a
# subscription to that record type gets them; the clock is in ``data.clock_id``.
declare_many(
    SlaClock,
    {
        "warning": "An SLA clock used its warning share of the target (`data.clock_id`, "
        "`data.metric`, `data.breach_at`); the record is the timed one.",
        "breached": "An SLA clock passed its target; the record is the timed one.",
    },
)
