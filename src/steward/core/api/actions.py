"""The API side of action tables (``core.actions``): ``ActionEndpoints`` gives a record's
viewset one ``POST /api/v1/<records>/{id}/<key>/`` per action of its table, with request
and response schemas, and ``GET .../{id}/next-steps/``: what the caller may do next.

Each endpoint keeps the order of every write: the record (404 when hidden), the action's
permission (403, before the body is read), the body (400), the service (which checks
everything again), then the record as it is now."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action as drf_action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core import permissions
from steward.core.actions import Action, ActionTable
from steward.core.api.base import GuardedSerializer

# The form fields a derived request body knows, and the serializer field each becomes.
_FIELD_TYPES: list[tuple[type[forms.Field], type[serializers.Field]]] = [
    (forms.BooleanField, serializers.BooleanField),
    (forms.IntegerField, serializers.IntegerField),
    (forms.DateTimeField, serializers.DateTimeField),
    (forms.DateField, serializers.DateField),
    (forms.ChoiceField, serializers.ChoiceField),
    (forms.CharField, serializers.CharField),
]


def serializer_from_form(form_class: type[forms.Form], name: str) -> type[serializers.Serializer]:
    """A request serializer with the fields of ``form_class`` (same names, required-ness
    and choices), guarded by the same ``inputs`` when the form declares them."""
    attrs: dict[str, Any] = {}
    for field_name, field in form_class.base_fields.items():
        kwargs: dict[str, Any] = {"required": field.required, "help_text": str(field.help_text)}
        if isinstance(field, forms.ModelChoiceField):
            attrs[field_name] = serializers.PrimaryKeyRelatedField(
                queryset=field.queryset, allow_null=not field.required, **kwargs
            )
            continue
        for form_type, serializer_type in _FIELD_TYPES:
            if isinstance(field, form_type):
                if serializer_type is serializers.ChoiceField:
                    kwargs["choices"] = [c for c in field.choices if c[0] != ""]
                if serializer_type is serializers.CharField and not field.required:
                    kwargs.update(allow_blank=True, default="")
                if serializer_type is serializers.BooleanField:
                    kwargs["required"] = False
                attrs[field_name] = serializer_type(**kwargs)
                break
    inputs = getattr(form_class, "inputs", None)
    base: type[serializers.Serializer] = serializers.Serializer
    if inputs is not None:
        base, attrs["inputs"] = GuardedSerializer, inputs
    return type(name, (base,), attrs)


def request_serializer(table: ActionTable, action: Action) -> type | None:
    """The action's request body: its serializer, else one derived from its page form."""
    if isinstance(action.serializer, str):
        return import_string(action.serializer)
    if action.serializer is not None:
        return action.serializer
    if action.form_class is None:
        return None
    cache = _DERIVED.setdefault(table.name, {})
    if action.key not in cache:
        name = f"{table.name.title().replace('-', '')}{action.method_name.title().replace('_', '')}Request"
        cache[action.key] = serializer_from_form(action.form_class, name)
    return cache[action.key]


_DERIVED: dict[str, dict[str, type]] = {}


class NextStepSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="POST /api/v1/<records>/{id}/<key>/ does it.")
    label = serializers.CharField()
    help = serializers.CharField()
    has_body = serializers.BooleanField(help_text="Whether the endpoint takes a request body.")


def _endpoint(table: ActionTable, action: Action, response: Any) -> Callable[..., Response]:
    def endpoint(self: Any, request: Request, pk: str | None = None) -> Response:
        return self.run_action(action)

    endpoint.__name__ = action.method_name
    endpoint = drf_action(detail=True, methods=["post"], url_path=action.key, url_name=action.key)(
        endpoint
    )
    return extend_schema(
        summary=action.summary or action.label,
        description=action.description,
        request=request_serializer(table, action),
        responses=response,
    )(endpoint)


class ActionEndpoints:
    """Mixed into a ``RecordViewSet`` before it: ``action_table`` (the table, or a function
    returning it, for a table declared in a module that imports this one) gives the
    endpoints. A method the viewset defines itself under an action's name wins."""

    action_table: ActionTable | Callable[[], ActionTable] | None = None
    request: Request

    @classmethod
    def get_action_table(cls) -> ActionTable:
        table = cls.action_table
        if table is None:
            raise NotImplementedError(f"{cls.__name__} sets no action_table.")
        return table if isinstance(table, ActionTable) else table()

    @classmethod
    def get_extra_actions(cls) -> list[Any]:
        # Added when the router first asks, so the table may be declared after the viewset.
        if "_table_endpoints" not in cls.__dict__:
            table = cls.get_action_table()
            response = getattr(cls, "serializer_class", None)
            for action in table.actions:
                if action.api and action.method_name not in cls.__dict__:
                    setattr(cls, action.method_name, _endpoint(table, action, response))
            cls._table_endpoints = True  # type: ignore[attr-defined]
        return super().get_extra_actions()  # type: ignore[misc]

    def run_action(self, action: Action) -> Response:
        table = self.get_action_table()
        record = self.get_object()  # type: ignore[attr-defined]
        if action.permission:
            on = record if action.record_permission else None
            permissions.require(self.request.user, action.permission, on)
        serializer = request_serializer(table, action)
        data = self.validated(serializer, record=record) if serializer else {}  # type: ignore[attr-defined]
        table.perform(action, actor=self.request.user, record=record, data=data)
        code = status.HTTP_201_CREATED if action.creates else status.HTTP_200_OK
        return self.refreshed(record.pk, code)  # type: ignore[attr-defined]

    @extend_schema(
        summary="What you may do next to this record",
        description="The actions the record's state and your rights offer, in the order the "
        "record page shows them. The endpoint still checks everything when called.",
        responses=NextStepSerializer(many=True),
    )
    @drf_action(
        detail=True,
        methods=["get"],
        url_path="next-steps",
        url_name="next-steps",
        pagination_class=None,
        filterset_class=None,
    )
    def next_steps(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()  # type: ignore[attr-defined]
        steps = self.get_action_table().next_steps(request.user, record)
        return Response(NextStepSerializer(steps, many=True).data)
