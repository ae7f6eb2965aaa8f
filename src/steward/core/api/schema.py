"""The OpenAPI schema's shared parts, declared once for every resource (drf-spectacular):
``ETag`` on versioned records' answers, ``If-Match`` and its 412 on every write to a
versioned record's URL, ``Location`` on every 201. ``StewardViewSet`` implements them; this
says so in the schema."""

import inspect
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from steward.core import permissions
from steward.core.choices import Role
from steward.core.ids import MAX_ID, MIN_ID

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_RECORD_ACTIONS = frozenset({"retrieve", "create", "update", "partial_update"})

IF_MATCH_HELP = (
    'Optional. The record\'s ETag (or its `lock_version` in quotes, e.g. `"7"`) as you last '
    "read it: if someone changed the record since, nothing is written and the answer is "
    "412 with what they changed. `*` or no header: no check."
)
ETAG_HELP = (
    "The record's version (`lock_version` in quotes). Send it back in `If-Match` on your next "
    "write so it is refused if someone else changed the record meanwhile."
)

LOCATION_HELP = "The URL where what was created can be read."


class VersionChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field (or `status`) the other person changed.")
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    by = serializers.CharField(help_text="Who changed it.")
    at = serializers.DateTimeField()


class PreconditionFailedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    lock_version = serializers.IntegerField(help_text="The record's version now.")
    changes = VersionChangeSerializer(many=True, help_text="What changed since your version.")


def _who(permission: str | None) -> str:
    """Who may call an operation, from the permission catalogue."""
    if not permission:
        return "Any signed-in person with a role may call it."
    description, roles = permissions.catalogue().get(permission, ("", frozenset()))
    if roles == permissions.ALL_ROLES:
        labels = "anyone with a role"
    elif roles == permissions.PROVIDER_ROLES:
        labels = "the service provider's staff (any role but requester and customer representative)"
    else:
        labels = ", ".join(sorted(str(Role(r).label).lower() for r in roles if r in Role.values))
    right = description[:1].lower() + description[1:].rstrip(".") if description else permission
    return f"Who may call it: {labels or 'nobody'}, with the right to {right}."


def _default_description(action: str, method: str, detail: bool, name: str, plural: str) -> str:
    """An integrator's description of a standard operation, from what it does."""
    a = "an" if name[:1].lower() in "aeiou" else "a"
    steps = {
        "list": f"The {plural} the caller may see, a page at a time: follow `next` until it "
        "is null. The query parameters narrow the list.",
        "retrieve": f"One {name}, by id. 404 when there is none, or the caller may not see it.",
        "create": f"Registers {a} {name} and answers 201 with it. A 400 names each refused field.",
        "update": f"Replaces the editable fields of the {name}. A 400 names each refused field.",
        "partial_update": f"Changes the fields sent of the {name}; the others stay as they "
        "are. A 400 names each refused field.",
        "destroy": f"Removes the {name}; answers 204 without a body.",
    }
    if action in steps:
        return steps[action]
    words = action.replace("_", " ")
    if method == "GET":
        return f"{words.capitalize()} for one {name}." if detail else f"{words.capitalize()}."
    if detail:
        return (
            f"{words.capitalize()} (one {name}). A 400 names each refused field; a 409 says "
            f"the {name}'s state, or a rule of its process, does not allow it now."
        )
    return f"{words.capitalize()} ({plural}). A 400 names each refused field."


# A path segment the router matches with ``lookup_value_regex = "[0-9]+"``: a record id.
_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": MIN_ID, "maximum": MAX_ID}


class StewardAutoSchema(AutoSchema):
    def _model(self) -> Any:
        queryset = getattr(self.view, "queryset", None)
        if queryset is not None:
            return queryset.model
        try:
            serializer = self.view.get_serializer_class()
        except (AssertionError, AttributeError, TypeError):
            return None
        return getattr(getattr(serializer, "Meta", None), "model", None)

    def get_description(self) -> str:  # type: ignore[override]
        """The operation's own docstring (its method's, or its class's but never one it
        inherits from a mixin or base, which speaks to developers), else a description
        written from what the operation is. ``get_operation`` adds who may call it."""
        action = getattr(self.view, "action", None) or self.method.lower()
        own = get_doc(getattr(self.view, action, None)) or inspect.cleandoc(
            type(self.view).__dict__.get("__doc__") or ""
        )
        if not own:
            model = self._model()
            name = str(model._meta.verbose_name) if model else "record"
            plural = str(model._meta.verbose_name_plural) if model else "records"
            detail = bool(getattr(self.view, "detail", False))
            own = _default_description(action, self.method, detail, name, plural)
        return own

    # What a ``RecordViewSet`` declares instead of decorating each operation: its summaries
    # and the request bodies of its writes (``extend_schema`` on an operation still wins).
    def get_summary(self) -> str | None:
        action = getattr(self.view, "action", None)
        declared = getattr(self.view, "summaries", {}).get(action)
        model = self._model()
        if not declared and action == "retrieve" and model is not None:
            declared = f"One {model._meta.verbose_name}"
        return declared or super().get_summary()

    def get_request_serializer(self) -> Any:
        declared = getattr(self.view, "request_serializer_class", None)
        body = declared() if callable(declared) else None
        return body or super().get_request_serializer()

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            # After extend_schema(description=...) too, which replaces get_description.
            permission = getattr(self.view, "view_permission", None)
            change = getattr(self.view, "change_permission", "")
            if self.method in _WRITES and change:
                permission = change
            who = _who(permission)
            if self.method in _WRITES:
                who += " The write is checked against the record too (scope, state): 403 if not."
            operation["description"] = f"{operation.get('description', '')}\n\n{who}".strip()
        return operation

    # Request bodies are documented as JSON only where JSON is taken: the form encodings DRF
    # also parses are for the browsable API, and a body offered in three encodings makes
    # generated clients send all three (openapi-python-client keeps the last, multipart).
    def map_parsers(self) -> list[Any]:
        media_types = super().map_parsers()
        return ["application/json"] if "application/json" in media_types else media_types

    # Ids in paths are integers, like the ``id`` of every answer: drf-spectacular reads the
    # URL pattern and says "string of digits", and generated clients then take strings.
    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter.get("schema") == _DIGITS:
                parameter["schema"] = dict(ID_SCHEMA)
        return parameters

    def _versioned(self) -> bool:
        versioned_model = getattr(self.view, "versioned_model", None)
        return callable(versioned_model) and versioned_model() is not None

    def _honours_if_match(self) -> bool:
        return self.method in _WRITES and bool(getattr(self.view, "detail", False))

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if not self._versioned():
            return parameters
        action = getattr(self.view, "action", None)
        if self._honours_if_match():
            parameters.append(
                OpenApiParameter(
                    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description=IF_MATCH_HELP
                )
            )
        if self._honours_if_match() or action in _RECORD_ACTIONS:
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description=ETAG_HELP,
                    response=[200, 201, 412],
                )
            )
        return parameters

    # drf-spectacular has no public hook for a response every operation of a kind gets
    # (``extend_schema(responses=...)`` replaces the whole set), so the 412 is added here.
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if self._versioned() and self._honours_if_match():
            responses.setdefault(
                "412",
                self._get_response_for_code(
                    OpenApiResponse(
                        PreconditionFailedSerializer,
                        description="The record changed since the version in If-Match; "
                        "nothing was written.",
                    ),
                    "412",
                    direction=direction,
                ),
            )
        created = responses.get("201")
        action = getattr(self.view, "action", None)
        if created is not None and (
            action == "create" or action in getattr(self.view, "created_routes", {})
        ):
            created.setdefault("headers", {})["Location"] = {
                "schema": {"type": "string", "format": "uri"},
                "description": LOCATION_HELP,
            }
        return responses
