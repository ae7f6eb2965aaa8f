"""What every area's API builds on: the actor-restricted viewset, references to records
the caller may see, choices as text with an enum, and ``RecordViewSet`` whose helpers keep every
write in the same order (right, then payload, then service, then the record out)."""

import copy
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core import audit, filters, permissions, versioning
from steward.core.choices import SecurityEventKind
from steward.core.fields import UNKNOWN, FieldsRefused, Inputs, with_audience
from steward.core.ids import MAX_ID, MAX_INT, MIN_ID
from steward.core.schema import MayOmit

# Methods that write; on a record's URL they honour If-Match.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Actions whose answer is the record itself (or the new one), so it carries its ETag.
_RECORD_ACTIONS = frozenset({"retrieve", "create", "update", "partial_update"})


def with_etag(response: Response, obj: Any) -> Response:
    """Give ``response`` the ETag of ``obj`` when it is a versioned record."""
    if versioning.is_versioned(obj) and 200 <= response.status_code < 300:
        response["ETag"] = versioning.etag(obj.lock_version)
    return response


class ListParametersChecked(viewsets.GenericViewSet):
    """A list refuses the query parameters it does not take (400 naming them), after the
    caller's credentials and rights were checked (``core.filters.refuse_unknown_parameters``)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(self, "action", None) == "list":
            filters.refuse_unknown_parameters(request, self)


class StewardViewSet(ListParametersChecked):
    """Base for every resource: the queryset comes from the area's ``queries`` for the actor.

    Subclasses set ``query`` (``people_for``-style function), ``view_permission``, and
    implement ``create``/``update`` by calling services; nothing here writes.

    Optimistic concurrency for every versioned record, in one place: its answers carry an
    ``ETag`` (its ``lock_version``), and a write to its URL (``PATCH``, ``PUT``, ``DELETE``
    or a step ``POST``) with ``If-Match`` runs with the row locked and is rolled back with
    412 when the version it started from is not the stored one (``If-Match: *`` or no
    header: no check, as before).
    """

    query: Any = None
    view_permission: str | None = None
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):  # type: ignore[override]
        return type(self).query(self.request.user)

    def versioned_model(self) -> type[Model] | None:
        """The record type of this resource when it is versioned (the schema asks too)."""
        queryset = getattr(self, "queryset", None)
        model = getattr(queryset, "model", None)
        return model if versioning.is_versioned(model) else None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method not in WRITE_METHODS or not getattr(self, "detail", False):
            return
        accepted = versioning.parse_if_match(request.headers.get("If-Match"))
        model = self.versioned_model()
        pk = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if accepted is None or model is None or pk is None:
            return
        # dispatch() looks the handler up after initial(): run it under the precondition.
        method = request.method.lower()
        setattr(self, method, self._preconditioned(getattr(self, method), model, pk, accepted))

    @staticmethod
    def _preconditioned(
        handler: Callable[..., Response], model: type[Model], pk: Any, accepted: frozenset[int]
    ) -> Callable[..., Response]:
        def run(request: Request, *args: Any, **kwargs: Any) -> Response:
            with versioning.precondition(model, pk, accepted) as state:
                response = handler(request, *args, **kwargs)
                state.skip = response.status_code >= 400
            return response

        return run

    # Where what another action answers 201 for can be read (its ``Location``): action ->
    # (URL name, "id": the new thing's own URL, or "record": the list under this record's
    # URL it joined, for things without a URL of their own such as a reply).
    created_routes: dict[str, tuple[str, str]] = {}

    def created_location(self, data: dict[str, Any] | list[Any]) -> str | None:
        """The URL of what a 201 answer created: for ``create``, the new record's own URL;
        for other actions, as ``created_routes`` says. None leaves the header out."""
        if self.action == "create":
            name, key = f"{self.basename}-detail", "id"
        elif self.action in self.created_routes:
            name, key = self.created_routes[self.action]
        else:
            return None
        value = (
            self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            if key == "record"
            else (data.get("id") if isinstance(data, dict) else None)
        )
        if value is None:
            return None
        try:
            return self.request.build_absolute_uri(reverse(name, args=[value]))
        except NoReverseMatch:
            return None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if (
            response.status_code == status.HTTP_201_CREATED
            and isinstance(getattr(response, "data", None), dict | list)
            and not response.has_header("Location")
        ):
            location = self.created_location(response.data)
            if location:
                response["Location"] = location
        if (
            getattr(self, "action", None) in _RECORD_ACTIONS
            and 200 <= response.status_code < 300
            and isinstance(getattr(response, "data", None), dict)
            and isinstance(response.data.get(versioning.FIELD), int)
            and not response.has_header("ETag")
        ):
            response["ETag"] = versioning.etag(response.data[versioning.FIELD])
        return super().finalize_response(request, response, *args, **kwargs)


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


class GuardedSerializer(serializers.Serializer):
    """A request body checked against the write's declaration (``core.fields``) before
    anything else: a key the caller may not set, or one no field takes (``priority`` on a
    registration, ``id`` on an update), is refused with 400 naming it instead of being
    dropped. Subclasses set ``inputs``; the record acted on, when the view knows it, comes
    in the context as ``record``. Free-text fields get their audience in the help text, so
    the OpenAPI description says who will read them."""

    inputs: Inputs

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        inputs = getattr(type(self), "inputs", None)
        if inputs is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares no inputs.")
        for name, field in fields.items():
            rule = inputs.rule_for(name)
            if rule is not None and rule.audience and not field.read_only:
                field.help_text = with_audience(field.help_text or "", rule.audience)
        return fields

    def _record(self) -> Any:
        record = self.context.get("record")
        return record if record is not None else self.instance

    def _refusals(self, data: Any) -> dict[str, str]:
        actor = actor_of(self)
        if actor is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs the request in its context.")
        record = self._record()
        writable = {n for n, f in self.fields.items() if not f.read_only}
        keys = list(data) if hasattr(data, "keys") else []
        given = {k: data[k] for k in keys if k in writable}
        refused = self.inputs.refusals(actor, given, record, valued=False)
        refused.update({k: UNKNOWN for k in keys if k not in writable})
        # A field some people may set to some values only (customer_values: the channel,
        # public=True) is compared once parsed; an unparsable one is left to validation.
        for name, raw in given.items():
            rule = self.inputs.rule_for(name)
            if name in refused or rule is None or rule.customer_values is None:
                continue
            try:
                value = self.fields[name].run_validation(raw)
            except (serializers.ValidationError, DjangoValidationError):
                continue
            if not rule.permits(actor, record, value, valued=True):
                refused[name] = rule.message()
        return refused

    def _refuse(self, refused: dict[str, str]) -> None:
        audit.record(
            SecurityEventKind.PERMISSION_DENIED,
            request=self.context.get("request"),
            detail=f"Refused fields: {', '.join(sorted(refused))}.",
            data={"fields": sorted(refused)},
        )
        raise FieldsRefused(refused)

    def run_validation(self, data: Any = empty) -> Any:
        if self.parent is None and data is not empty and data is not None:
            refused = self._refusals(data)
            if refused:
                self._refuse(refused)
        return super().run_validation(data)


class FieldsBuiltOnce(serializers.ModelSerializer):
    """A read-only model serializer whose fields are worked out from the model once per
    class: each instance gets its own copies to bind (building some forty fields from the
    model's meta costs more than the rest of a record's answer). Only for serializers
    whose fields are all read-only and do not depend on the context."""

    _built_fields: dict[str, serializers.Field] | None = None

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            if not all(field.read_only for field in built.values()):
                raise ImproperlyConfigured(f"{cls.__name__} has writable fields.")
            cls._built_fields = built
        # Shallow copies: a read-only field keeps no state of its own but what ``bind`` sets
        # on each copy. A field made of others (a list of references) is copied whole, so
        # its parts are bound to their own copy.
        return {name: _copied(field) for name, field in built.items()}


def _copied(field: serializers.Field) -> serializers.Field:
    composite = isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, part) for part in ("child", "child_relation")
    )
    return copy.deepcopy(field) if composite else copy.copy(field)


class InternalFieldsHidden(MayOmit, serializers.Serializer):
    """A record as the reader may see it: ``internal_fields`` (the provider's working
    papers and staff text, ``core.fields.INTERNAL``) are left out for customer-side
    readers (and when the reader is unknown); the schema does not call them required."""

    internal_fields: tuple[str, ...] = ()

    @property
    def may_omit(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.internal_fields

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        actor = actor_of(self)
        if actor is None or permissions.is_customer_side(actor):
            for name in self.internal_fields:
                data.pop(name, None)
        return data


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


class ChoiceText(serializers.CharField):
    """A text field whose values are ``choices``: the schema gives them as an inline
    ``enum`` (``core.schema.ChoiceTextEnum``), not as a named enum component."""

    def __init__(self, *, choices: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices


def choice_text(choices: list[tuple[str, str]], **kwargs: Any) -> serializers.CharField:
    """A choice as text with an inline enum in the schema. Several resources have a
    ``status``, ``kind`` or ``role`` with different choices; one enum component per field
    name would collide."""
    values = [value for value, _ in choices]
    listed = ", ".join(values)

    def one_of(value: str) -> None:
        if value not in values:
            raise serializers.ValidationError(f"Choose one of: {listed}.")

    return ChoiceText(
        choices=[str(v) for v in values],
        validators=[] if kwargs.get("read_only") else [one_of],
        **kwargs,
    )


# List and retrieve through the area's queries; writes call the services through the helpers
# below. ``record_id`` names the service argument that takes the record's id. A comment, not
# a docstring: drf-spectacular would print a docstring as every operation's description.
#
# What a resource declares instead of writing it out (``core.api.schema`` documents it):
# ``summaries`` (action -> the operation's summary), ``read_serializers`` (action -> the
# answer's serializer, default ``serializer_class``), ``create_serializer`` and
# ``update_serializer`` (the request bodies of ``create`` and ``partial_update``, which
# ``ServiceCreate`` and ``ServiceUpdate`` below implement).
class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet):
    change_permission: str = ""
    record_id: str = ""
    request: Request
    # A method is answered only where the viewset has its action (the router maps it):
    # DELETE where there is a ``destroy``, never PUT (a record changes field by field).
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    summaries: dict[str, str] = {}
    read_serializers: dict[str, type[serializers.BaseSerializer]] = {}
    create_serializer: type[serializers.BaseSerializer] | None = None
    update_serializer: type[serializers.BaseSerializer] | None = None

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        action = getattr(self, "action", None)
        if action in self.read_serializers:
            return self.read_serializers[action]
        return super().get_serializer_class()

    def request_serializer_class(self) -> type[serializers.BaseSerializer] | None:
        """The declared request body of this action (None: the read serializer's)."""
        action = getattr(self, "action", None)
        if action == "create":
            return self.create_serializer
        if action in ("update", "partial_update"):
            return self.update_serializer or self.create_serializer
        return None

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
        record: Model | None = None,
    ) -> dict[str, Any]:
        """The request's payload checked by ``serializer_class`` (default: the action's
        declared request body, else its read serializer; 400 with the messages);
        ``record`` (default ``instance``) is what the fields' rules are checked against."""
        context = {**self.get_serializer_context(), "record": record or instance}
        serializer_class = (
            serializer_class or self.request_serializer_class() or self.get_serializer_class()
        )
        serializer = serializer_class(
            instance, data=self.request.data, partial=partial, context=context
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def show(self, obj: Model, code: int = status.HTTP_200_OK) -> Response:
        """``obj`` as the read serializer gives it, with its ETag."""
        return with_etag(Response(self.get_serializer(obj).data, status=code), obj)

    def refreshed(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        """The record read again through the queryset (with its prefetches), after a write."""
        return self.show(self.get_queryset().get(pk=pk), code)

    # The answer to a write reads the record again through the queryset (its prefetches);
    # False: the record as the service returned it.
    reread: bool = True

    def answer(self, record: Model, code: int = status.HTTP_200_OK) -> Response:
        """The record after a write, as ``reread`` says."""
        return self.refreshed(record.pk, code) if self.reread else self.show(record, code)

    def act(self, service: Callable[..., Any], obj: Model, **kwargs: Any) -> Response:
        """Call a transition service on ``obj`` and answer with the record as it is now."""
        service(actor=self.request.user, **{self.record_id: obj.pk}, **kwargs)
        return self.refreshed(obj.pk)


class ServiceCreate(RecordViewSet):
    """``create`` through ``create_service``: the right to change (403), the body
    (``create_serializer``, 400), the service called with ``actor=`` and the data
    (``create_arguments`` reshapes it), 201 with the new record."""

    create_service: Callable[..., Any]

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        data = self.create_arguments(self.validated())
        record = type(self).create_service(actor=request.user, **data)
        return self.answer(record, status.HTTP_201_CREATED)


class ServiceUpdate(RecordViewSet):
    """``partial_update`` (and ``update``, where ``http_method_names`` lets PUT in) through
    ``update_service``: the record (404), the right to change it (403), the fields
    (``update_serializer``, default ``create_serializer``, 400), the service called with
    ``actor=``, the record's id (``record_id``) and ``update_arguments`` (default ``data=``
    the fields), 200 with the record."""

    update_service: Callable[..., Any]

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"data": data}

    def update(
        self, request: Request, *args: Any, partial: bool = False, **kwargs: Any
    ) -> Response:
        record = self.guarded_object()
        data = self.update_arguments(self.validated(instance=record, partial=partial))
        result = type(self).update_service(
            actor=request.user, **{self.record_id: record.pk}, **data
        )
        return self.answer(record if self.reread else result)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)
