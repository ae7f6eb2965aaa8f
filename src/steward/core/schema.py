"""What the OpenAPI schema says beyond drf-spectacular's defaults, so every answer the API
gives conforms to it (the schemathesis run in ``core/tests/test_api_fuzz.py`` checks this).

* Read-only fields say when they can be empty or null. DRF drops ``allow_blank`` from
  read-only model fields, yet a ``blank=True`` column comes out as ``""`` (an empty choice,
  e-mail or URL the schema's enum or format would refuse); and a field read through a
  nullable relation, or with ``default=None``, comes out as ``null``.
* Fields a serializer leaves out for some callers (``MayOmit``) are not required.
* Times of day are local wall-clock times ("08:00:00"), not RFC 3339 ``time`` (which
  requires an offset).
* Every operation documents the error answers it can give (400, 401, 403, 404, 409, 412,
  413, 415, 429), each in the one error shape of ``core.api_errors``.
"""

import copy
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from rest_framework import serializers

from steward.core.errors import ERROR_TYPES

# --- Fields ---------------------------------------------------------------------------------


def _model_path(field: serializers.Field) -> list[models.Field] | None:
    """The model fields ``field`` is read through, or None when it is not a model's."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not getattr(field, "source_attrs", None):
        return None
    path = []
    for name in field.source_attrs:
        try:
            model_field = model._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):
            return None  # a property or method: nothing known
        path.append(model_field)
        model = model_field.related_model
    return path


def as_output(field: serializers.Field) -> serializers.Field:
    """``field`` as what DRF really writes out: blank and null where they can occur."""
    if not field.read_only:
        return field
    path = _model_path(field) or []
    relations = [f for f in path[:-1] if f.is_relation]
    blank = (
        bool(path) and path[-1].blank and isinstance(path[-1], models.CharField | models.TextField)
    )
    null = field.default is None or any(f.null for f in relations) or (bool(path) and path[-1].null)
    if (blank and not getattr(field, "allow_blank", True)) or (null and not field.allow_null):
        field = copy.copy(field)
        field.allow_blank = field.allow_blank or blank
        field.allow_null = field.allow_null or null
    return field


class _OutputField(OpenApiSerializerFieldExtension):
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        field = as_output(self.target)
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if (
            field is not self.target
            and getattr(field, "allow_blank", False)
            and schema.get("type") == "string"
            and ({"format", "pattern", "minLength"} & set(schema))
        ):
            # drf-spectacular adds this branch for writable blank fields only.
            outer = {"readOnly", "writeOnly", "nullable", "description", "title"}
            inner = {k: schema.pop(k) for k in list(schema) if k not in outer}
            schema["oneOf"] = [inner, {"type": "string", "maxLength": 0}]
        return schema


class TextOutput(_OutputField):
    target_class = "rest_framework.fields.CharField"


class ChoiceOutput(_OutputField):
    target_class = "rest_framework.fields.ChoiceField"


class RelatedOutput(_OutputField):
    target_class = "rest_framework.relations.RelatedField"


class ChoiceTextEnum(_OutputField):
    """``core.api.base.choice_text``: its values as an enum of its own (blank and null
    included when the field can give them)."""

    target_class = "steward.core.api.base.ChoiceText"
    priority = 1  # before TextOutput, which matches it as a CharField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        schema = super().map_serializer_field(auto_schema, direction)
        field = as_output(self.target)
        enum = list(self.target.choices)
        if getattr(field, "allow_blank", False) and "" not in enum:
            enum.append("")
        if getattr(field, "allow_null", False):
            enum.append(None)
        for key in ("oneOf", "minLength", "maxLength", "pattern", "format", "type"):
            schema.pop(key, None)
        # Inside oneOf, out of reach of postprocess_schema_enums: several resources have a
        # ``status``, ``kind`` or ``role`` with different values, and one enum component per
        # field name would collide. Generated clients still get an enum type.
        schema["oneOf"] = [{"type": "string", "enum": enum}]
        return schema


class MayOmit:
    """Mixin for a serializer that leaves ``may_omit`` out for some callers (the provider's
    working papers, for customer people): the schema does not call those required."""

    may_omit: tuple[str, ...] = ()


class MayOmitExtension(OpenApiSerializerExtension):
    target_class = "steward.core.schema.MayOmit"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        required = [name for name in schema.get("required", []) if name not in self.target.may_omit]
        if required:
            schema["required"] = required
        else:
            schema.pop("required", None)
        return schema


# "08:30" or "08:30:00[.ffffff]": the calendar's local time, no offset.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "08:30:00",
}


class LocalTime(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        return dict(LOCAL_TIME)


# --- Error answers --------------------------------------------------------------------------

ERROR = "Error"
PRECONDITION_FAILED = "PreconditionFailed"

ERROR_COMPONENTS: dict[str, Any] = {
    ERROR: {
        "type": "object",
        "description": (
            "Every error answer. `type` says whose the problem is; `errors` lists what was "
            "wrong, each with a stable `code` to branch on, a human `detail`, and `attr`: the "
            "refused field (nested as `lines.0.quantity`) or null for the request as a whole. "
            "Only validation errors list more than one."
        ),
        "required": ["type", "errors"],
        "properties": {
            "type": {"type": "string", "enum": list(ERROR_TYPES)},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "detail", "attr"],
                    "properties": {
                        "code": {"type": "string", "example": "invalid"},
                        "detail": {"type": "string"},
                        "attr": {"type": "string", "nullable": True},
                    },
                },
            },
        },
    },
    PRECONDITION_FAILED: {
        "description": "412: the error, with the record's version now and what changed since.",
        "allOf": [
            {"$ref": f"#/components/schemas/{ERROR}"},
            {
                "type": "object",
                "required": ["lock_version", "changes"],
                "properties": {
                    "lock_version": {"type": "integer", "description": "The record's version now."},
                    "changes": {
                        "type": "array",
                        "description": "What changed since your version.",
                        "items": {"$ref": "#/components/schemas/VersionChange"},
                    },
                },
            },
        ],
    },
}


def _answer(description: str, name: str = ERROR) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{name}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_answers(path: str, method: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The error answers ``operation`` can give, by status code."""
    takes_input = "requestBody" in operation or any(
        p.get("in") == "query" for p in operation.get("parameters", [])
    )
    answers = {}
    if takes_input or method != "get":
        answers["400"] = _answer("Bad input: `attr` names each refused field.")
    answers["401"] = _answer("No, or no valid, credentials.")
    answers["403"] = _answer("The caller may not do this (or sent no CSRF token with a session).")
    if "{" in path:
        answers["404"] = _answer("No such record, or not one the caller may see.")
    if method != "get":
        answers["409"] = _answer("A rule of the process forbids it in the record's state.")
    content = operation.get("requestBody", {}).get("content", {})
    if content:
        answers["415"] = _answer("The request body is not in a media type listed here.")
    if "multipart/form-data" in content:
        answers["413"] = _answer("The upload is over the size limit.")
    answers["429"] = _answer("Too many requests: wait the seconds in `Retry-After`.")
    answers["429"]["headers"] = {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
    }
    return answers


def document_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the error answers of every operation, each in the
    one error shape (``core.api_errors``); the 412 of ``StewardAutoSchema`` gets its extras."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    # Replaces the PreconditionFailed of core.api.schema's serializer (same name) with the
    # error shape plus its extras; that serializer still gives the VersionChange component.
    schemas.update(ERROR_COMPONENTS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, answer in error_answers(path, method, operation).items():
                responses.setdefault(code, answer)
            for code, answer in responses.items():
                # An error a view documents itself (its own description) has the one shape.
                if code >= "400":
                    name = PRECONDITION_FAILED if code == "412" else ERROR
                    answer["content"] = _answer("", name)["content"]
    return result
