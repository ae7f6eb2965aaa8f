"""Template helpers of the shell: values, status badges, journal lines, small SVG charts."""

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Manager, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

register = template.Library()

# Colour of a status badge by its stored value. Areas add theirs with ``TONES.update(...)``
# next to their choices; an unknown value is neutral grey.
TONES: dict[str, str] = {
    "new": "blue",
    "open": "blue",
    "registered": "blue",
    "assigned": "blue",
    "accepted": "blue",
    "planned": "blue",
    "scheduled": "blue",
    "in_progress": "amber",
    "pending": "amber",
    "retrying": "amber",
    "on_hold": "amber",
    "waiting": "amber",
    "awaiting_approval": "amber",
    "in_design": "purple",
    "draft": "purple",
    "resolved": "green",
    "delivered": "green",
    "active": "green",
    "approved": "green",
    "completed": "green",
    "implemented": "green",
    "operational": "green",
    "live": "green",
    "closed": "grey",
    "cancelled": "grey",
    "inactive": "grey",
    "retired": "grey",
    "failed": "red",
    "rejected": "red",
    "breached": "red",
    "critical": "red",
    "high": "amber",
    "true": "green",
    "false": "grey",
    "provider": "blue",
    "customer": "green",
    "supplier": "purple",
}


def resolve(obj: Any, path: str) -> Any:
    """Follow ``a.b.c`` through attributes or dict keys; None when a step is missing."""
    value = obj
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if callable(value) and not isinstance(value, Manager | Model):
            value = value()
    return value


def resolve_display(obj: Any, path: str) -> str:
    """Like ``resolve`` but shows a choice field's label instead of its stored value."""
    head, _, last = path.rpartition(".")
    owner = resolve(obj, head) if head else obj
    if isinstance(owner, Model):
        try:
            model_field = owner._meta.get_field(last)
        except FieldDoesNotExist:
            model_field = None
        if model_field is not None and getattr(model_field, "choices", None):
            return str(getattr(owner, f"get_{last}_display")())
    return display_value(resolve(owner, last) if owner is not None else None)


def display_value(value: Any) -> str:
    """How a value reads in a table cell or a CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple | set):
        return ", ".join(display_value(v) for v in value)
    if isinstance(value, Manager):
        return ", ".join(str(v) for v in value.all())
    return str(value)


@register.filter
def display(value: Any) -> str:
    return display_value(value)


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$")


@register.filter
def journal_value(value: Any) -> str:
    """A field-change value as people read it: a moment the journal kept in ISO form
    (``2026-10-11T20:00:00+00:00``) in local time, ``2026-10-11 22:00``; anything else
    as it is."""
    text = str(value or "")
    if not _ISO_MOMENT.match(text):
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


@register.filter
def tone(value: Any) -> str:
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    return TONES.get(key, "grey")


@register.simple_tag
def badge(value: Any, label: Any = None, tone_name: str = "") -> SafeString:
    """``{% badge record.status record.get_status_display %}`` → a coloured pill."""
    if value is None or value == "":
        return format_html("")
    text = display_value(label if label is not None else value)
    return format_html('<span class="badge badge-{}">{}</span>', tone_name or tone(value), text)


@register.simple_tag
def phrase(text: str, *values: Any) -> str:
    """``text`` with its ``{}`` filled by ``values`` in order, for a sentence made of
    several values: ``{% phrase "Remove {} from {}?" name group.name as ask %}`` (escaped
    where it is printed)."""
    return text.format(*values)


@register.inclusion_tag("core/partials/row_button.html", takes_context=True)
def row_button(
    context: template.Context,
    url_name: str,
    *url_args: Any,
    ask: str = "",
    label: str = "Remove",
    style: str = "danger",
    cell: str = "actions-cell",
) -> dict[str, Any]:
    """The cell of a table row with the button posting to the row action ``url_name``
    (remove a member, a role, a holiday): ``{% row_button "core:group-member-remove"
    record.pk m.person_id ask=ask %}``; ``ask`` is the question asked before posting (none:
    posts at once), ``cell`` the cell's class ("" for none)."""
    return {
        "url": reverse(url_name, args=url_args),
        "ask": ask,
        "label": label,
        "style": style,
        "cell": cell,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def field_label(record: Any, name: str) -> str:
    """The verbose name of a record's field, for journal lines ("Job title", not "job_title")."""
    if isinstance(record, Model) and name:
        try:
            return capfirst(str(record._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            pass
    if "_" not in name and name[:1].isupper():
        return name  # already a label ("Memory (GB)"), kept as written
    return name.replace("_", " ").capitalize()


@register.filter
def initials(person: Any) -> str:
    first = (getattr(person, "first_name", "") or "")[:1]
    last = (getattr(person, "last_name", "") or "")[:1]
    return (first + last).upper() or (getattr(person, "username", "?") or "?")[:2].upper()


@register.simple_tag
def sparkline(
    values: Sequence[float], width: int = 120, height: int = 28, label: str = ""
) -> SafeString:
    """A small inline SVG line chart (server-rendered, no JavaScript)."""
    points = [float(v) for v in values or []]
    if len(points) < 2:
        return format_html("")
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = (width - 2) / (len(points) - 1)
    coords = " ".join(
        f"{1 + i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(points)
    )
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}">'
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{}"/></svg>',
        width,
        height,
        width,
        height,
        label or "trend",
        coords,
    )


@register.simple_tag
def hbars(items: Sequence[tuple[str, float]], width: int = 240) -> SafeString:
    """Horizontal bars for (label, value) pairs, as server-rendered SVG."""
    rows = list(items or [])
    if not rows:
        return format_html("")
    top = max(v for _, v in rows) or 1
    bar_h, gap, label_w = 14, 6, 90
    height = len(rows) * (bar_h + gap)
    parts = format_html_join(
        "",
        '<text x="0" y="{}" class="hbar-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="2" class="hbar"/>'
        '<text x="{}" y="{}" class="hbar-value">{}</text>',
        (
            (
                i * (bar_h + gap) + bar_h - 3,
                label,
                label_w,
                i * (bar_h + gap),
                f"{max(value / top * (width - label_w - 40), 1):.1f}",
                bar_h,
                label_w + max(value / top * (width - label_w - 40), 1) + 4,
                i * (bar_h + gap) + bar_h - 3,
                display_value(value if value != int(value) else int(value)),
            )
            for i, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="hbars" width="{}" height="{}" viewBox="0 0 {} {}" role="img">{}</svg>',
        width,
        height,
        width,
        height,
        parts,
    )


@register.filter
def verbose_name(record: Any) -> str:
    return str(record._meta.verbose_name) if isinstance(record, Model) else ""


@register.filter
def verbose_plural(record: Any) -> str:
    """ "SLA reviews", "CI classes": the first letter raised, the others kept as written."""
    return capfirst(str(record._meta.verbose_name_plural)) if isinstance(record, Model) else ""


@register.simple_tag
def choice_label(record: Any, name: str, value: str) -> str:
    """The label of a stored choice value of ``record.<name>`` (journal lines keep raw values)."""
    if isinstance(record, Model) and name:
        try:
            choices = record._meta.get_field(name).choices or []
        except FieldDoesNotExist:
            choices = []
        for key, label in choices:
            if str(key) == value:
                return str(label)
    return value.replace("_", " ").capitalize() if value else ""
