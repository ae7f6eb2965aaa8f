"""The inbound mail log: every message the email channel looked at and what it did with it
(created a request, added a reply, ignored it as an automatic reply, loop or duplicate,
or rejected it with the reason). For the service desk to answer "where did my email go?"."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.urls import path

from steward.core import permissions
from steward.core.filters import SearchFilterSet
from steward.core.views.patterns import Column, RecordListView
from steward.incidents.choices import MailOutcome
from steward.incidents.models import InboundMail

VIEW = "incidents.mail.view"


def inbound_mail_for(actor: Any) -> QuerySet[InboundMail]:
    """The whole log for those who may read it (the desk, operations managers), else nothing."""
    if not permissions.has(actor, VIEW):
        return InboundMail.objects.none()
    return InboundMail.objects.all()


class InboundMailFilterSet(SearchFilterSet):
    search_fields = ("sender", "subject", "message_id", "reason", "incident__number")
    outcome = django_filters.ChoiceFilter(choices=MailOutcome.choices)
    received_after = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte")
    received_before = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte")

    class Meta:
        model = InboundMail
        fields = ["outcome"]


def _incident_url(mail: InboundMail) -> str:
    return mail.incident.get_absolute_url() if mail.incident_id else ""


class InboundMailListView(RecordListView):
    permission = VIEW
    query = inbound_mail_for
    filterset_class = InboundMailFilterSet
    title = "Inbound mail"
    default_sort = "-received_at"
    csv_filename = "inbound-mail"
    empty_text = "No inbound mail matches these filters."
    columns = (
        Column("received_at", "Received", sort="received_at"),
        Column("outcome", "Outcome", sort="outcome", badge=True),
        Column("sender", "From", sort="sender"),
        Column("subject", "Subject", sort="subject"),
        Column("incident", "Request", value="incident.number", url=_incident_url),
        Column("reason", "Reason"),
        Column("message_id", "Message-ID", classes="text-muted small"),
    )

    def get_queryset(self) -> QuerySet[InboundMail]:
        return super().get_queryset().select_related("incident")


urlpatterns = [
    path("incidents/mail/", InboundMailListView.as_view(), name="mail-list"),
]
