"""Extension points of Incident Management for the areas built on it.

An area may import the areas it builds on, never a later one: Incident Management cannot
import Change Management, yet its procedures reach into it (seed 003 ch. 8 proc. 2-5: an
emergency change resolves an escalated incident; a request needing Change Management is
resolved through a change). The later area fills these hooks from its ``registrations``
(imported by its ``AppConfig.ready()``); Incident Management calls them inside its own
services' transactions and draws them on its pages. Each hook is empty until an area
fills it, and Incident Management then behaves as it did before that area existed.

- ``emergency_change(fn)``: proc. 5's "the service owner asks a specialist to implement
  the resolution as an emergency change": ``fn(*, actor, incident, specialist, category,
  note)`` makes the change and returns it (``incident_handle_escalation``).
- ``resolution_check(fn)``: ``fn(incident, *, override_reason)`` raises ``ValidationError``
  when the request may not be resolved, and returns True when only the override let it
  through (``incident_resolve`` journals the override).
- ``change_requested(fn)``: ch. 3 proc. 1's first two sources: a request routed to the
  change coordinator (proc. 2) or a request form that generates a change: ``fn(*, actor,
  incident, source)`` submits the request for change (``source`` "incident" or
  "request_form"). Without it the request only reaches the change coordinator.
- ``record_section(template, fn)``: a part of the incident record page drawn by another
  area: ``fn(actor, incident)`` gives the partial's context (empty: not drawn).
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from steward.core.models import Person

_EMERGENCY: list[Callable[..., Any]] = []
_CHECKS: list[Callable[..., bool]] = []
_SECTIONS: list[tuple[str, Callable[[Person, Any], dict[str, Any]]]] = []
_CHANGE_REQUESTED: list[Callable[..., Any]] = []


def emergency_change(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register the maker of emergency changes (the last one registered is used)."""
    if fn not in _EMERGENCY:
        _EMERGENCY.append(fn)
    return fn


def request_emergency_change(
    *, actor: Person, incident: Any, specialist: Person, category: str, note: str
) -> Any:
    """Make the emergency change of proc. 5 through the registered maker."""
    if not _EMERGENCY:
        raise ValidationError({"decision": ["Change Management is not available."]})
    return _EMERGENCY[-1](
        actor=actor, incident=incident, specialist=specialist, category=category, note=note
    )


def resolution_check(fn: Callable[..., bool]) -> Callable[..., bool]:
    """Register a check every resolution of a request passes (``incident_resolve``)."""
    if fn not in _CHECKS:
        _CHECKS.append(fn)
    return fn


def check_resolution(incident: Any, *, override_reason: str) -> bool:
    """Run the registered checks (each may refuse with a ``ValidationError``); True when
    one of them let the resolution through only because of the override."""
    overridden = False
    for check in _CHECKS:
        overridden = bool(check(incident, override_reason=override_reason)) or overridden
    return overridden


def change_requested(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register what happens when a request needs a change (the last one registered)."""
    if fn not in _CHANGE_REQUESTED:
        _CHANGE_REQUESTED.append(fn)
    return fn


def request_change(*, actor: Person, incident: Any, source: str) -> Any:
    """Hand ``incident`` to Change Management as a request for change (or nothing)."""
    if _CHANGE_REQUESTED:
        return _CHANGE_REQUESTED[-1](actor=actor, incident=incident, source=source)
    return None


def record_section(template: str, fn: Callable[[Person, Any], dict[str, Any]]) -> None:
    """Register a section of the incident record page (a partial and its context)."""
    if all(template != known for known, _ in _SECTIONS):
        _SECTIONS.append((template, fn))


def record_sections(actor: Person, incident: Any) -> list[dict[str, Any]]:
    """The registered sections with something to show: ``{"template", "context"}``."""
    shown = []
    for template, fn in _SECTIONS:
        context = fn(actor, incident)
        if context:
            shown.append({"template": template, "context": context})
    return shown
