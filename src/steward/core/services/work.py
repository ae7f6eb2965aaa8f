"""Writes for what people record while they work: time spent on a record (per action) and
reply/resolution templates with placeholders. Areas call ``time_spent_add`` from their own
services, inside their transaction; templates are maintained here for every area."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet, Sum
from django.http import Http404

from steward.core import permissions, transitions, versioning
from steward.core.models import JournalEntry, Person, ResponseTemplate, SupportGroup, TimeEntry
from steward.core.models.work import TemplateKind

USE = "core.response_template.use"
SHARE = "core.response_template.share"
MAX_MINUTES = 24 * 60  # one entry is one action: a day at most

# The placeholders a template may use; the area fills them from the record
# (``steward.incidents.templates.values_for``). Anything else is left as written.
PLACEHOLDERS = {
    "number": "The record's number (INC000123)",
    "title": "The record's title",
    "service": "The service it is about",
    "status": "Its status",
    "priority": "Its priority",
    "group": "The group working on it",
    "requester.first_name": "The requester's first name",
    "requester.last_name": "The requester's last name",
    "requester.name": "The requester's full name",
    "agent.name": "Your full name",
    "agent.first_name": "Your first name",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


# --- Time spent ---------------------------------------------------------------------------


def checked_minutes(value: Any, name: str = "time_spent") -> int | None:
    """``value`` as whole minutes (None or "" for none given), else a ValidationError."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationError({name: ["Give the time in whole minutes."]})
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({name: ["Give the time in whole minutes."]}) from None
    if minutes < 1 or minutes > MAX_MINUTES:
        raise ValidationError({name: [f"Between 1 and {MAX_MINUTES} minutes."]})
    return minutes


def time_spent_add(
    *,
    actor: Person,
    record: models.Model,
    minutes: int | None,
    activity: str,
    entry: JournalEntry | None = None,
    group: SupportGroup | None = None,
) -> TimeEntry | None:
    """Record ``minutes`` the actor spent on ``record`` doing ``activity``, beside the journal
    ``entry`` the action wrote. The calling service has checked the actor's right on the
    record and runs this in its transaction; nothing is written for no time."""
    if not minutes:
        return None
    if permissions.is_customer_side(actor):
        raise PermissionDenied("Only staff record time spent.")
    minutes = checked_minutes(minutes)
    return TimeEntry.objects.create(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
        person=actor,
        support_group=group,
        minutes=minutes,
        activity=activity[:40],
        journal_entry=entry,
    )


def time_entries_of(record: models.Model) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
    ).select_related("person", "support_group")


def time_total(record: models.Model) -> int:
    return time_entries_of(record).aggregate(n=Sum("minutes"))["n"] or 0


# --- Templates ----------------------------------------------------------------------------


@dataclass
class Filled:
    text: str
    unknown: list[str] = field(default_factory=list)


def fill(text: str, values: Mapping[str, Any], *, as_html: bool) -> Filled:
    """``text`` with each known ``{{placeholder}}`` replaced by its value. Plain substitution,
    never template execution: ``{% ... %}`` and anything else stays text. A value's markup
    is escaped when the text is HTML (a reply); unknown placeholders stay as written and are
    listed."""
    unknown: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            unknown.append(name)
            return match.group(0)
        value = "" if values[name] is None else str(values[name])
        # In HTML a value's markup becomes text; "&" stays, as typed (the journal's
        # sanitiser reads a bare "&" as text too).
        return value.replace("<", "&lt;").replace(">", "&gt;") if as_html else value

    return Filled(_PLACEHOLDER.sub(one, text), unknown)


def unknown_placeholders(text: str) -> list[str]:
    return [n for n in _PLACEHOLDER.findall(text) if n not in PLACEHOLDERS]


def _may_change(actor: Person, shared: bool, owner_id: int | None) -> None:
    permissions.require(actor, USE)
    if shared:
        permissions.require(actor, SHARE)
    elif owner_id != actor.pk:
        raise PermissionDenied("This is someone else's personal template.")


def _checked(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    allowed = {"name", "kind", "body", "shared", "is_active"}
    errors: dict[str, list[str]] = {
        k: ["This field cannot be set here."] for k in sorted(set(data) - allowed)
    }
    values: dict[str, Any] = {}
    for name in ("name", "body"):
        if name in data or creating:
            text = str(data.get(name) or "").strip()
            if not text:
                errors[name] = ["This field is required."]
            elif name == "name" and len(text) > 120:
                errors[name] = ["At most 120 characters."]
            elif name == "body" and len(text) > 20000:
                errors[name] = ["At most 20000 characters."]
            elif name == "body" and unknown_placeholders(text):
                names = ", ".join("{{" + n + "}}" for n in unknown_placeholders(text))
                errors[name] = [f"Unknown placeholder(s): {names}."]
            values[name] = text
    if "kind" in data or creating:
        if data.get("kind") not in TemplateKind.values:
            errors["kind"] = [f"One of: {', '.join(TemplateKind.values)}."]
        values["kind"] = data.get("kind")
    for name in ("shared", "is_active"):
        if name in data and not isinstance(data[name], bool):
            errors[name] = ["Answer true or false."]
        elif name in data:
            values[name] = data[name]
    if errors:
        raise ValidationError(errors)
    return values


def _locked_template(
    actor: Person, template_id: Any, expected_version: int | None = None
) -> ResponseTemplate:
    permissions.require(actor, USE)
    template = transitions.lock(ResponseTemplate, template_id)
    if template.owner_id not in (None, actor.pk):
        raise Http404("No such template.")  # someone else's personal one: not even seen
    versioning.check(template, expected_version)
    return template


def response_template_create(*, actor: Person, **data: Any) -> ResponseTemplate:
    """A new template: personal unless ``shared`` (coordinators and managers)."""
    values = _checked(data, creating=True)
    shared = bool(values.pop("shared", False))
    _may_change(actor, shared, actor.pk)
    with transaction.atomic():
        return ResponseTemplate.objects.create(owner=None if shared else actor, **values)


def response_template_update(
    *, actor: Person, template_id: Any, data: Mapping[str, Any], expected_version: int | None = None
) -> ResponseTemplate:
    values = _checked(data, creating=False)
    with transaction.atomic():
        template = _locked_template(actor, template_id, expected_version)
        _may_change(actor, template.shared, template.owner_id)
        if "shared" in values:
            shared = values.pop("shared")
            _may_change(actor, shared, actor.pk)
            template.owner = None if shared else actor
        for name, value in values.items():
            setattr(template, name, value)
        template.save()
    return template


def response_template_delete(*, actor: Person, template_id: Any) -> None:
    with transaction.atomic():
        template = _locked_template(actor, template_id)
        _may_change(actor, template.shared, template.owner_id)
        template.delete()
