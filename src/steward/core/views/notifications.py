"""My notifications, and outbound webhook subscriptions with their delivery log."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from steward.core import action_tables, notify, queries, webhooks
from steward.core import inputs as core_inputs
from steward.core.fields import GuardedForm
from steward.core.forms import WebhookForm
from steward.core.models import Notification, WebhookSubscription
from steward.core.services import notifications as svc
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    ServicePostView,
    StewardPageMixin,
    action_urls,
    apply_errors,
)

# --- My notifications ----------------------------------------------------------------------


def _open_url(notification: Notification) -> str:
    return reverse("core:notification-open", args=[notification.pk])


class NotificationListView(RecordListView):
    """My own notifications, newest first; ``?unread=1`` shows only the unread ones."""

    template_name = "core/notification_list.html"
    title = "Notifications"
    default_sort = "-created"
    empty_text = "No notifications."
    columns = (
        Column("title", "Notification", url=_open_url),
        Column(
            "event",
            "What",
            value=lambda n: notify.event_words(n.event),
            sort="event",
            classes="hide-sm",
        ),
        Column("created", "When", value="created_at", sort="created_at", classes="nowrap"),
        Column(
            "read",
            "Status",
            value=lambda n: "Read" if n.read_at else "New",
            badge=True,
            sort="read_at",
            classes="narrow",
        ),
    )

    def get_queryset(self) -> QuerySet:
        qs = queries.notifications_for(self.actor)
        if self.request.GET.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["unread_only"] = bool(self.request.GET.get("unread"))
        return context


class NotificationOpenView(StewardPageMixin, View):
    """Mark one of my notifications read and go where it points."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = queries.notifications_for(self.actor).filter(pk=pk).first()
        if notification is None:
            raise Http404("No such notification.")
        if notification.read_at is None:
            svc.notifications_mark_read(actor=self.actor, notification_ids=[notification.pk])
        target = notification.url
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(reverse("core:notification-list"))


class MarkReadForm(GuardedForm):
    inputs = core_inputs.MARK_READ
    ids = forms.TypedMultipleChoiceField(required=False, coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any of one's own notifications; the service ignores other people's ids.
        self.fields["ids"].choices = [(v, v) for v in self.data.getlist("ids") if v.isdigit()]


class NotificationMarkReadView(ServicePostView):
    """POST: mark all my notifications read, or those in ``ids``."""

    form_class = MarkReadForm
    split_errors = False
    success_url = reverse_lazy("core:notification-list")

    def perform(self) -> str:
        form = MarkReadForm(self.request.POST, actor=self.actor)
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        ids = form.cleaned_data["ids"] or None
        count = svc.notifications_mark_read(actor=self.actor, notification_ids=ids)
        return f"Marked {count} notification{'s' if count != 1 else ''} read."


# --- Webhooks ----------------------------------------------------------------------------------


def webhook_url(subscription: WebhookSubscription) -> str:
    return reverse("core:webhook-detail", args=[subscription.pk])


class WebhookListView(RecordListView):
    permission = "core.webhook.change"
    title = "Webhooks"
    query = webhooks.subscriptions_for
    default_sort = "name"
    create_url_name = "core:webhook-create"
    create_permission = "core.webhook.change"
    create_label = "New webhook"
    empty_text = "No webhook subscriptions. Add one to send record events to another tool."
    columns = (
        Column("name", "Name", sort="name", url=webhook_url),
        Column("url", "URL", sort="url"),
        Column(
            "record_type", "Record type", value=lambda s: s.record_type or "all", sort="record_type"
        ),
        Column("events", "Events", value=lambda s: ", ".join(s.events) or "all", classes="hide-sm"),
        Column(
            "is_active",
            "Status",
            value=lambda s: "Active" if s.is_active else "Inactive",
            badge=True,
            sort="is_active",
        ),
        Column("created_at", "Created", sort="created_at", classes="hide-sm nowrap"),
    )


class WebhookDetailView(RecordDetailView):
    permission = "core.webhook.change"
    template_name = "core/webhook_detail.html"
    query_one = webhooks.subscription_for
    list_url_name = "core:webhook-list"
    kind_label = "Webhook subscription"
    delivery_limit = 50

    def get_fields(self, obj: WebhookSubscription) -> list[Field]:
        return [
            Field("URL", obj.url),
            Field("Record type", obj.record_type or "All record types"),
            Field("Events", ", ".join(obj.events) or "All events"),
            Field("Status", "Active" if obj.is_active else "Inactive", badge=True),
            Field("Secret", "Set (not shown again)"),
        ]

    def get_actions(self, obj: WebhookSubscription) -> list[Action]:
        actions = [
            Action("Edit", reverse("core:webhook-edit", args=[obj.pk]), "core.webhook.change")
        ]
        if obj.is_active:
            actions += [
                Action(
                    "Send ping",
                    reverse("core:webhook-ping", args=[obj.pk]),
                    "core.webhook.change",
                    method="post",
                ),
                Action(
                    "Deactivate",
                    reverse("core:webhook-deactivate", args=[obj.pk]),
                    "core.webhook.change",
                    method="post",
                    style="danger",
                    confirm="Stop sending events to this endpoint?",
                ),
            ]
        return actions

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["deliveries"] = list(
            webhooks.deliveries_for(self.actor).filter(subscription=context["record"])[
                : self.delivery_limit
            ]
        )
        context["delivery_limit"] = self.delivery_limit
        return context


class WebhookCreateView(ServiceFormView):
    permission = "core.webhook.change"
    form_class = WebhookForm
    cancel_url = reverse_lazy("core:webhook-list")
    title = "New webhook"
    submit_label = "Create webhook"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                subscription = svc.webhook_subscription_create(
                    actor=self.actor, **form.data_for_service()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                # The secret is shown this once, in this response only (never in a cookie).
                response = render(
                    request,
                    "core/webhook_created.html",
                    {"title": "Webhook created", "subscription": subscription},
                )
                response["Cache-Control"] = "no-store"
                return response
        return self.render_form(form, status=400)


class WebhookEditView(RecordEditView):
    permission = "core.webhook.change"
    query_one = webhooks.subscription_for
    form_class = WebhookForm

    def get_cancel_url(self) -> str:
        return webhook_url(self.get_object())

    def perform(self, form: forms.Form) -> str:
        self.update_record(
            form, svc.webhook_subscription_update, "subscription_id", data=form.data_for_service()
        )
        return webhook_url(self.get_object())


urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", NotificationMarkReadView.as_view(), name="notification-mark-read"),
    path("notifications/<int:pk>/open/", NotificationOpenView.as_view(), name="notification-open"),
    path("webhooks/", WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/new/", WebhookCreateView.as_view(), name="webhook-create"),
    path("webhooks/<int:pk>/", WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/edit/", WebhookEditView.as_view(), name="webhook-edit"),
    *action_urls(action_tables.WEBHOOK),
    *action_urls(action_tables.WEBHOOK_DELIVERY),
]
