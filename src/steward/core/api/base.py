"""What every area's API builds on: the actor-restricted viewset, references to records
the caller may see, choices as plain text, and ``RecordViewSet`` whose helpers keep every
write in the same order (right, then payload, then service, then the record out)."""

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core import permissions
from steward.core.ids import MAX_ID, MAX_INT, MIN_ID


class StewardViewSet(viewsets.GenericViewSet):
    """Base for every resource: the queryset comes from the area's ``queries`` for the actor.

    Subclasses set ``query`` (``people_for``-style function), ``view_permission``, and
    implement ``create``/``update`` by calling services; nothing here writes.
    """

    query: Any = None
    view_permission: str | None = None
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):  # type: ignore[override]
        return type(self).query(self.request.user)


class IdField(serializers.IntegerField):
    """A record's id in a payload: a whole number from 1 to the largest id, so a number
    no record can have is a field error (400), not a query the database refuses."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", MIN_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def whole_number(*, min_value: int = 0, max_value: int = MAX_INT, **kwargs: Any) -> Any:
    """A count, a number of days or seconds...: bounded on both sides, so it fits the
    INTEGER column it is stored in (the schema says so too)."""
    return serializers.IntegerField(min_value=min_value, max_value=max_value, **kwargs)


def actor_of(serializer: serializers.Field) -> Any:
    request = serializer.context.get("request")
    return request.user if request is not None else None


class Visible(serializers.PrimaryKeyRelatedField):
    """A reference to a record the caller may see (others are "does not exist")."""

    def __init__(self, query: Any, model: type[Model], **kwargs: Any) -> None:
        self.query = query
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        actor = actor_of(self)
        return self.query(actor) if actor is not None else self.queryset


def visible(query: Any, model: type[Model], **kwargs: Any) -> Visible:
    return Visible(query, model, **kwargs)


def choice_text(choices: list[tuple[str, str]], **kwargs: Any) -> serializers.CharField:
    """A choice as plain text in the schema. Several resources have a ``status``, ``kind``
    or ``role`` with different choices; one enum name per field name would collide."""
    values = [value for value, _ in choices]
    listed = ", ".join(values)

    def one_of(value: str) -> None:
        if value not in values:
            raise serializers.ValidationError(f"Choose one of: {listed}.")

    help_text = kwargs.pop("help_text", "")
    return serializers.CharField(
        validators=[] if kwargs.get("read_only") else [one_of],
        help_text=f"{help_text} One of: {listed}.".strip(),
        **kwargs,
    )


# List and retrieve through the area's queries; writes call the services through the helpers
# below. ``record_id`` names the service argument that takes the record's id. A comment, not
# a docstring: drf-spectacular would print a docstring as every operation's description.
class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet):
    change_permission: str = ""
    record_id: str = ""
    request: Request
    http_method_names = ["get", "post", "patch", "head", "options"]

    def require_change(self, obj: Model | None = None) -> None:
        permissions.require(self.request.user, self.change_permission, obj)

    def guarded_object(self) -> Any:
        """The record of the URL (404), which the caller must be allowed to change (403)."""
        obj = self.get_object()
        self.require_change(obj)
        return obj

    def validated(
        self,
        serializer_class: type[serializers.BaseSerializer] | None = None,
        instance: Model | None = None,
        *,
        partial: bool = False,
    ) -> dict[str, Any]:
        """The request's payload checked by ``serializer_class`` (400 with the messages)."""
        serializer = (serializer_class or self.get_serializer_class())(
            instance, data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def show(self, obj: Model, code: int = status.HTTP_200_OK) -> Response:
        """``obj`` as the read serializer gives it."""
        return Response(self.get_serializer(obj).data, status=code)

    def refreshed(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        """The record read again through the queryset (with its prefetches), after a write."""
        return self.show(self.get_queryset().get(pk=pk), code)

    def act(self, service: Callable[..., Any], obj: Model, **kwargs: Any) -> Response:
        """Call a transition service on ``obj`` and answer with the record as it is now."""
        service(actor=self.request.user, **{self.record_id: obj.pk}, **kwargs)
        return self.refreshed(obj.pk)
