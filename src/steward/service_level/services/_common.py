"""Helpers shared by the Service Level Management services: the administrators, building and
validating service level targets, and refusing unknown fields (role lookups: core.roles)."""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from steward.core import roles
from steward.core.choices import Priority, Role
from steward.core.edits import reject_unknown
from steward.core.models import Person
from steward.service_level.choices import DURATION_KINDS, TIMED_KINDS, TargetKind
from steward.service_level.models import ServiceLevelTarget

TARGET_FIELDS = [
    "kind",
    "priority",
    "target_seconds",
    "target_percent",
    "target_count",
    "warning_percent",
    "description",
]
# Ten years: a longer promise is a typo, and the clock maths has to stay in the calendar.
MAX_TARGET_SECONDS = 10 * 366 * 24 * 3600

# Template JSON uses short keys ({"kind": "resolution", "priority": "1", "seconds": 14400}).
_SHORT_KEYS = {"seconds": "target_seconds", "percent": "target_percent", "count": "target_count"}


def administrators() -> list[Person]:
    """The service level administrators, told about decisions they must act on."""
    return roles.holders(Role.SERVICE_LEVEL_ADMINISTRATOR)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"target_percent": ["Enter a number."]}) from None


def target_values(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise one target given as a dict (long or template short keys)."""
    values = {_SHORT_KEYS.get(k, k): v for k, v in spec.items()}
    reject_unknown(values, TARGET_FIELDS)
    values["priority"] = str(values.get("priority") or "")
    values["target_percent"] = _decimal(values.get("target_percent"))
    values.setdefault("warning_percent", 75)
    values.setdefault("description", "")
    return values


def validate_target(target: ServiceLevelTarget) -> None:
    """The rules of each kind of target (response/resolution per priority in business time,
    availability %, outages per period, RTO/RPO), with a message per field."""
    errors: dict[str, list[str]] = {}
    kind = target.kind
    if kind not in TargetKind.values:
        raise ValidationError({"kind": [f"Unknown kind of target {kind!r}."]})
    if kind in TIMED_KINDS:
        if target.priority not in Priority.values:
            errors["priority"] = ["Response and resolution targets are set per priority (1-4)."]
    elif target.priority:
        errors["priority"] = ["Only response and resolution targets have a priority."]
    if kind in DURATION_KINDS:
        if not target.target_seconds or target.target_seconds <= 0:
            errors["target_seconds"] = ["Give the time allowed, in seconds."]
        elif target.target_seconds > MAX_TARGET_SECONDS:
            errors["target_seconds"] = ["A target runs for at most ten years."]
    elif target.target_seconds is not None:
        errors["target_seconds"] = ["This kind of target is not a duration."]
    if kind == TargetKind.AVAILABILITY:
        pct = target.target_percent
        if pct is None or not (Decimal(0) < pct <= Decimal(100)):
            errors["target_percent"] = ["Give the availability as a percentage above 0, up to 100."]
    elif target.target_percent is not None:
        errors["target_percent"] = ["Only availability targets have a percentage."]
    if kind == TargetKind.MAX_OUTAGES:
        if target.target_count is None or target.target_count < 0:
            errors["target_count"] = ["Give the number of outages allowed per period."]
    elif target.target_count is not None:
        errors["target_count"] = ["Only outage targets have a count."]
    if not (1 <= (target.warning_percent or 0) <= 100):
        errors["warning_percent"] = ["The warning comes between 1 and 100 % of the target."]
    if errors:
        raise ValidationError(errors)
    # The owner (agreement or catalog item) is set by the calling service, not by input.
    target.full_clean(exclude=["agreement", "catalog_item"])


def check_duplicate(target: ServiceLevelTarget, siblings: Iterable[ServiceLevelTarget]) -> None:
    """One target per kind (and priority) per agreement or catalog item."""
    for other in siblings:
        if other is target or (other.pk and other.pk == target.pk):
            continue
        if other.kind == target.kind and other.priority == target.priority:
            label = f"P{target.priority} " if target.priority else ""
            raise ValidationError(
                {"kind": [f"There is already a {label}{TargetKind(target.kind).label} target."]}
            )


def build_targets(
    specs: Iterable[Mapping[str, Any]], **owner: models.Model
) -> list[ServiceLevelTarget]:
    """Unsaved, validated targets from dicts for one owner (``agreement=`` or
    ``catalog_item=``); an error names the target by its position."""
    built: list[ServiceLevelTarget] = []
    for index, spec in enumerate(specs, start=1):
        try:
            if not isinstance(spec, Mapping):
                raise ValidationError({"targets": ["Each target is an object."]})
            target = ServiceLevelTarget(**owner, **target_values(spec))
            validate_target(target)
            check_duplicate(target, built)
        except ValidationError as exc:
            messages = [
                f"Target {index}: {field}: {message}"
                for field, errs in exc.message_dict.items()
                for message in errs
            ]
            raise ValidationError({"targets": messages}) from None
        built.append(target)
    return built


def copy_targets(targets: Iterable[ServiceLevelTarget]) -> list[dict[str, Any]]:
    """Target dicts from existing targets (a copied catalog item, an SLA from its item)."""
    return [{name: getattr(t, name) for name in TARGET_FIELDS} for t in targets]
