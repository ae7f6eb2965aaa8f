"""Checks of service arguments shared by the Incident Management services: each adds
its message to ``errors`` under the field's name, so a caller reports every problem of a
request at once (HTTP 400 with field messages, a form error)."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


def as_instance(model: type[models.Model], value: Any, field: str) -> Any:
    """A model instance from an instance or a primary key; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    try:
        return model._default_manager.get(pk=value)
    except (model.DoesNotExist, ValueError, TypeError):
        raise ValidationError({field: [f"Unknown {model._meta.verbose_name}."]}) from None


def checked_choice(errors: dict, field: str, value: Any, choices: Iterable[str]) -> str:
    value = "" if value is None else str(value)
    if value not in set(choices):
        errors[field] = ["Select a valid choice."]
    return value


def checked_text(errors: dict, field: str, value: Any, *, max_length: int | None = None) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        errors[field] = ["This field is required."]
    elif max_length and len(text) > max_length:
        errors[field] = [f"At most {max_length} characters."]
    return text


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
