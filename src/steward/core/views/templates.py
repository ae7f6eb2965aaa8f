"""Reply and resolution templates (issue 13): the shared ones (maintained by coordinators
and managers) and each person's own, with their placeholders. Writes go through
``core.services.work``; the record pages of the areas offer them on their forms."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse_lazy
from django.views.generic import TemplateView

from steward.core import permissions, queries
from steward.core.forms import ResponseTemplateForm
from steward.core.services import work as svc
from steward.core.views.patterns import (
    RecordEditView,
    ServicePostView,
    StewardPageMixin,
    apply_errors,
)

LIST = reverse_lazy("core:response-template-list")


class ResponseTemplateListView(StewardPageMixin, TemplateView):
    """The templates the person may use, and the form adding one."""

    permission = svc.USE
    template_name = "core/response_templates.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = list(queries.response_templates_for(self.actor).order_by("kind", "name"))
        form = kwargs.get("form") or ResponseTemplateForm(actor=self.actor)
        context.update(
            title="Reply and resolution templates",
            shared=[t for t in rows if t.shared],
            mine=[t for t in rows if not t.shared],
            may_share=permissions.has(self.actor, svc.SHARE),
            form=form,
            placeholders=svc.PLACEHOLDERS,
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ResponseTemplateForm(request.POST, actor=self.actor)
        if form.is_valid():
            try:
                svc.response_template_create(actor=self.actor, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Template saved.")
                return HttpResponseRedirect(str(LIST))
        return render(request, self.template_name, self.get_context_data(form=form), status=400)


class ResponseTemplateEditView(RecordEditView):
    permission = svc.USE
    form_class = ResponseTemplateForm
    query_one = queries.response_template_for
    title_format = "Edit template {obj.name}"
    success_message = "Template saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        t = self.get_object()
        return {
            "name": t.name, "kind": t.kind, "body": t.body, "shared": t.shared,
            "is_active": t.is_active,
        }  # fmt: skip

    def get_cancel_url(self) -> str:
        return str(LIST)

    def perform(self, form: forms.Form) -> Any:
        self.update_record(
            form, svc.response_template_update, "template_id", data=dict(form.cleaned_data)
        )
        return str(LIST)


class ResponseTemplateDeleteView(ServicePostView):
    permission = svc.USE
    success_url = LIST

    def perform(self, **url_kwargs: Any) -> str:
        template = queries.response_template_for(self.actor, url_kwargs["pk"])
        svc.response_template_delete(actor=self.actor, template_id=template.pk)
        return f"Template {template.name} deleted."


urlpatterns = [
    path("templates/", ResponseTemplateListView.as_view(), name="response-template-list"),
    path(
        "templates/<int:pk>/edit/",
        ResponseTemplateEditView.as_view(),
        name="response-template-edit",
    ),
    path(
        "templates/<int:pk>/delete/",
        ResponseTemplateDeleteView.as_view(),
        name="response-template-delete",
    ),
]
