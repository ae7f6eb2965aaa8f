"""Outgoing email kept in Steward (no mail server configured), for administrators."""

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import path
from django.views.generic import TemplateView

from steward.core import keptmail, queries
from steward.core.views.patterns import StewardPageMixin

PAGE_SIZE = 50


class KeptMailListView(StewardPageMixin, TemplateView):
    permission = "core.keptmail.view"
    template_name = "core/kept_mail_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        paginator = Paginator(queries.kept_emails_for(self.actor), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(
            title="Outgoing email",
            page=page,
            emails=page.object_list,
            kept_in_steward=keptmail.in_force(),
            email_host=settings.EMAIL_HOST,
        )
        return context


urlpatterns = [path("outgoing-email/", KeptMailListView.as_view(), name="kept-mail-list")]
