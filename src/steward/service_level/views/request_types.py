"""Request types of catalog items, maintained by service level managers (issue 13): what a
customer may ask for under an item and the questions of its form. Saving goes through
``services.request_types``; submitting one is Incident Management's portal page."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views import View

from steward.core.errors import StaleVersion
from steward.core.queries import one
from steward.core.views.patterns import StewardPageMixin, apply_errors
from steward.service_level import queries
from steward.service_level.forms import RequestFieldFormSet, RequestTypeForm, field_specs
from steward.service_level.models import CatalogItem, RequestType
from steward.service_level.queries.request_types import (
    all_request_types_of,
    request_types_to_maintain,
)
from steward.service_level.services import request_types as svc
from steward.service_level.views.catalog import ProviderOnlyMixin, request_url

CHANGE = "service_level.request_type.change"
TYPE_FIELDS = ("name", "description", "position", "is_active", "creates_change_request")


class RequestTypeListView(ProviderOnlyMixin, StewardPageMixin, View):
    """The request types of one catalog item, with their questions."""

    permission = CHANGE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = queries.catalog_item_for(self.actor, pk)
        types = list(all_request_types_of(self.actor, item.pk))
        for request_type in types:
            request_type.url = request_url(request_type)  # type: ignore[attr-defined]
        return render(
            request,
            "service_level/request_types.html",
            {"title": f"Request types of {item.name}", "item": item, "request_types": types},
        )


class RequestTypeFormView(ProviderOnlyMixin, StewardPageMixin, View):
    """A new request type of an item (``item``), or one changed (``pk``), with its fields
    as rows: a row without a label is left out, "Remove" takes a field away."""

    permission = CHANGE

    def objects(self, kwargs: dict[str, Any]) -> tuple[CatalogItem, RequestType | None]:
        if "item" in kwargs:
            return queries.catalog_item_for(self.actor, kwargs["item"]), None
        request_type = one(request_types_to_maintain(self.actor), kwargs["pk"], "request type")
        return queries.catalog_item_for(self.actor, request_type.catalog_item_id), request_type

    def page(
        self,
        item: CatalogItem,
        request_type: RequestType | None,
        form: Any,
        rows: Any,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            self.request,
            "service_level/request_type_form.html",
            {
                "title": f"Change {request_type.name}" if request_type else "New request type",
                "item": item,
                "request_type": request_type,
                "form": form,
                "rows": rows,
                "cancel_url": reverse("service_level:request-type-list", args=[item.pk]),
            },
            status=status,
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item, request_type = self.objects(kwargs)
        if request_type is None:
            return self.page(
                item,
                None,
                RequestTypeForm(actor=self.actor),
                RequestFieldFormSet(prefix="fields", form_kwargs={"actor": self.actor}),
            )
        initial = {name: getattr(request_type, name) for name in TYPE_FIELDS}
        initial["lock_version"] = request_type.lock_version
        rows = [
            {
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "help": f.help,
                "options": "\n".join(f.options),
            }
            for f in request_type.fields.all()
        ]
        return self.page(
            item, request_type, RequestTypeForm(initial=initial, actor=self.actor),
            RequestFieldFormSet(prefix="fields", initial=rows, form_kwargs={"actor": self.actor}),
        )  # fmt: skip

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        item, request_type = self.objects(kwargs)
        form = RequestTypeForm(request.POST, actor=self.actor)
        rows = RequestFieldFormSet(request.POST, prefix="fields", form_kwargs={"actor": self.actor})
        if not (form.is_valid() and rows.is_valid()):
            return self.page(item, request_type, form, rows, status=400)
        data = {name: form.cleaned_data[name] for name in TYPE_FIELDS}
        try:
            if request_type is None:
                request_type = svc.request_type_create(
                    actor=self.actor, catalog_item=item, fields=field_specs(rows), **data
                )
            else:
                svc.request_type_update(
                    actor=self.actor,
                    request_type_id=request_type.pk,
                    data=data,
                    fields=field_specs(rows),
                    expected_version=form.cleaned_data.get("lock_version"),
                )
        except (ValidationError, StaleVersion) as exc:
            if isinstance(exc, StaleVersion):
                exc = ValidationError("Someone changed this request type meanwhile: reload it.")
            apply_errors(form, _readable(exc))
            return self.page(item, request_type, form, rows, status=400)
        messages.success(request, f"Request type “{data['name']}” saved.")
        return HttpResponseRedirect(reverse("service_level:request-type-list", args=[item.pk]))


def _readable(exc: ValidationError) -> ValidationError:
    """``fields.2.options`` as "Field 3, options" for the form's top."""
    if not hasattr(exc, "error_dict"):
        return exc
    named: dict[str, list[str]] = {}
    for key, errors in exc.message_dict.items():
        parts = key.split(".")
        if parts[0] == "fields" and len(parts) > 1 and parts[1].isdigit():
            where = f"Field {int(parts[1]) + 1}" + (f", {parts[2]}" if len(parts) > 2 else "")
            named.setdefault("__all__", []).extend(f"{where}: {e}" for e in errors)
        else:
            named.setdefault(key, []).extend(errors)
    return ValidationError(named)


urlpatterns = [
    path(
        "catalog/items/<int:pk>/request-types/",
        RequestTypeListView.as_view(),
        name="request-type-list",
    ),
    path(
        "catalog/items/<int:item>/request-types/new/",
        RequestTypeFormView.as_view(),
        name="request-type-create",
    ),
    path("request-types/<int:pk>/edit/", RequestTypeFormView.as_view(), name="request-type-edit"),
]
