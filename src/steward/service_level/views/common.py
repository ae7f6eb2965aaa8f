"""Small helpers shared by the Service Level Management pages: targets in plain words,
durations, charges and the people holding a role on a service or organisation."""

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from steward.core import charts
from steward.core.actions import ActionTable
from steward.core.choices import Priority, Role
from steward.core.models import RoleAssignment
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import RecordDetailView
from steward.service_level.choices import TargetKind
from steward.service_level.forms import TargetForm
from steward.service_level.queries.compliance import PERIOD_DAYS, TREND_WEEKS, Share

# Badge colours of the area's statuses that the shell does not know yet.
TONES.update(
    {
        "in_approval": "amber",
        "published": "green",
        "discontinued": "grey",
        "not_signed": "red",
        "adjust": "amber",
        "reported": "blue",
        "held": "blue",
    }
)

# How a customer reads a priority.
PRIORITY_WORDS = {
    Priority.CRITICAL: "Critical",
    Priority.HIGH: "High-priority",
    Priority.MEDIUM: "Medium-priority",
    Priority.LOW: "Low-priority",
}


# The order promises read in: what a customer asks first comes first.
KIND_ORDER = {
    TargetKind.RESOLUTION: 0,
    TargetKind.RESPONSE: 1,
    TargetKind.AVAILABILITY: 2,
    TargetKind.MAX_OUTAGES: 3,
    TargetKind.RTO: 4,
    TargetKind.RPO: 5,
}


def promise_order(targets: list[Any]) -> list[Any]:
    """Per-priority promises first (most urgent first, resolution before response), then
    availability, outages and recovery."""
    return sorted(
        targets,
        key=lambda t: (0 if t.priority else 1, t.priority, KIND_ORDER.get(t.kind, 9), t.pk),
    )


def duration_words(seconds: int | None, *, business: bool = False) -> str:
    """4 business hours, 30 minutes, 1 day 2 hours (days only outside business time)."""
    if seconds is None:
        return "—"
    minutes = int(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    prefix = "business " if business else ""
    parts: list[str] = []
    if not business and hours >= 24:
        days, hours = divmod(hours, 24)
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} {prefix}hour{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} {prefix}minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def percent_words(value: Decimal | float | str | None) -> str:
    if value is None:
        return "—"
    text = format(Decimal(str(value)).normalize(), "f")
    return f"{text} %"


def target_sentence(target: Any) -> str:
    """A target as a customer reads it: "Critical incidents resolved within 4 business hours"."""
    kind = target.kind
    who = PRIORITY_WORDS.get(target.priority, "All") if target.priority else "All"
    if kind == TargetKind.RESPONSE:
        return f"{who} incidents responded to within {duration_words(target.target_seconds, business=True)}"
    if kind == TargetKind.RESOLUTION:
        return f"{who} incidents resolved within {duration_words(target.target_seconds, business=True)}"
    if kind == TargetKind.AVAILABILITY:
        return f"Available {percent_words(target.target_percent)} of the service hours"
    if kind == TargetKind.MAX_OUTAGES:
        count = target.target_count or 0
        return f"At most {count} outage{'s' if count != 1 else ''} per evaluation term"
    if kind == TargetKind.RTO:
        return f"Service restored within {duration_words(target.target_seconds)} after a disaster"
    if kind == TargetKind.RPO:
        return f"At most {duration_words(target.target_seconds)} of data lost in a disaster"
    return str(target)


def target_value(target: Any) -> str:
    """The target's figure alone, for tables."""
    if target.kind in (TargetKind.RESPONSE, TargetKind.RESOLUTION):
        return duration_words(target.target_seconds, business=True)
    if target.kind in (TargetKind.RTO, TargetKind.RPO):
        return duration_words(target.target_seconds)
    if target.kind == TargetKind.AVAILABILITY:
        return percent_words(target.target_percent)
    return str(target.target_count if target.target_count is not None else "—")


def charge_words(item: Any) -> str:
    if item.charge is None:
        return "Included, no charge"
    amount = format(item.charge, ",.2f")
    return f"{amount} {item.charge_unit}".strip()


def scoped_holders(scope: Model, roles: list[str]) -> dict[str, list[Any]]:
    """{role: [people]} of the role assignments limited to ``scope`` (one query)."""
    ct = ContentType.objects.get_for_model(scope, for_concrete_model=True)
    result: dict[str, list[Any]] = {role: [] for role in roles}
    assignments = (
        RoleAssignment.objects.filter(scope_type=ct, scope_id=scope.pk, role__in=roles)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )
    for assignment in assignments:
        result[assignment.role].append(assignment.person)
    return result


def role_label(role: str) -> str:
    return str(Role(role).label)


def targets_context(
    view: RecordDetailView, table: ActionTable, owner: Any, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """What ``partials/targets_card.html`` shows of an agreement's or catalog item's
    targets: the promises in the order a customer reads them, and the form adding one
    while the owner's table offers it (a draft, to whoever may change it)."""
    action = table["target-add"]
    editable = table.offered(action, view.actor, owner)
    return {
        "targets": [
            {"obj": t, "sentence": target_sentence(t), "value": target_value(t)}
            for t in promise_order(list(owner.targets.all()))
        ],
        "targets_editable": editable,
        "target_form": view.failed_form("target-add", kwargs)
        or (TargetForm() if editable else None),
        "target_add_url": table.url(action, owner),
    }


def compliance_context(compliance: Any) -> dict[str, Any]:
    """The compliance card's context (``partials/compliance_card.html``): the figures per
    target for the current period and the weekly trend as columns (0-100 %) with the goal
    drawn as a line; weeks without a finished clock show "-"."""
    goal = compliance.goal
    trend = compliance.trend
    chart = charts.column_chart(
        [(f"{monday.day} {monday:%b}", float(share.percent or 0)) for monday, share in trend],
        text=[f"{share.percent:.0f}" if share.percent is not None else "-" for _, share in trend],
        top=100,
        line=(float(goal), f"goal {goal}%"),
        width=680,
        height=160,
    )
    rows = [
        {
            "label": f"{row.agreement.number} · {row.target}",
            "target": str(row.target),
            "agreement": row.agreement,
            "expected": duration_words(row.target.target_seconds, business=True),
            "share": row.share,
            "on_goal": row.share.on_goal(goal),
        }
        for row in compliance.targets
    ]
    per_agreement: dict[int, dict[str, Any]] = {}
    for row in compliance.targets:
        entry = per_agreement.setdefault(
            row.agreement.pk, {"agreement": row.agreement, "share": Share()}
        )
        entry["share"] = entry["share"] + row.share
    for entry in per_agreement.values():
        entry["on_goal"] = entry["share"].on_goal(goal)
    return {
        "compliance": compliance,
        "compliance_rows": rows,
        "compliance_agreements": list(per_agreement.values()),
        "compliance_chart": chart,
        "compliance_trend_empty": not any(share.decided for _, share in trend),
        "compliance_on_goal": compliance.overall.on_goal(goal),
        "compliance_days": PERIOD_DAYS,
        "compliance_weeks": TREND_WEEKS,
    }
