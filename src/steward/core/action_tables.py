"""Core's own action tables (``core.actions``): the buttons of a webhook subscription's
page and of a delivery in its log, and the rows of the directory and calendar pages
(a person's roles and organisations, a group's members, a calendar's holidays). Their API
has its own endpoints (``core/api``)."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from steward.core import queries, webhooks
from steward.core.actions import Action, ActionTable, row_in
from steward.core.forms import GroupMemberForm, HolidayForm, JoinOrganisationForm, RoleAssignForm
from steward.core.models import (
    Holiday,
    RoleAssignment,
    SupportGroupMembership,
    WebhookDelivery,
    WebhookSubscription,
)
from steward.core.services import calendars as calendar_svc
from steward.core.services import directory as directory_svc
from steward.core.services import notifications as svc

CHANGE = "core.webhook.change"


def _subscription_url(subscription: WebhookSubscription) -> str:
    return reverse("core:webhook-detail", args=[subscription.pk])


def _delivery_url(delivery: WebhookDelivery) -> str:
    return _subscription_url(delivery.subscription)


# fmt: off
WEBHOOK = ActionTable(
    name="webhook", namespace="core", prefix="webhooks", services=svc,
    query_one=webhooks.subscription_for, record_arg="subscription_id",
    record_url=_subscription_url, split_errors=True, actions=[
    Action("ping", "Send a ping", "webhook_ping", CHANGE,
           done="Ping queued; its delivery appears in the log below.", api=False),
    Action("deactivate", "Deactivate", "webhook_subscription_deactivate", CHANGE,
           done=lambda p: f"{p.record.name} is inactive; nothing more is sent to it.", api=False),
])

# A delivery of the log, sent again; back to its subscription's page.
WEBHOOK_DELIVERY = ActionTable(
    name="webhook", namespace="core", prefix="webhooks/deliveries", services=svc,
    query_one=webhooks.delivery_for, record_arg="delivery_id", record_url=_delivery_url,
    split_errors=True, actions=[
    Action("redeliver", "Send again", "webhook_redeliver", CHANGE, fragment="#deliveries",
           done=lambda p: f"Delivery of {p.record.event} queued again.", api=False),
])
# fmt: on


def _holiday_of_url(url: Mapping[str, Any]) -> dict[str, Any]:
    return {"holiday_id": url["holiday_id"]}


def _member_of_url(url: Mapping[str, Any]) -> dict[str, Any]:
    return {"person_id": url["person_id"]}


def _role_assignment(person: Any, url: Mapping[str, Any]) -> Any:
    return RoleAssignment.objects.filter(pk=url["assignment_id"], person=person)


def _membership(group: Any, url: Mapping[str, Any]) -> Any:
    return SupportGroupMembership.objects.filter(
        group=group, person_id=url["person_id"]
    ).select_related("person")


def _holiday(calendar: Any, url: Mapping[str, Any]) -> Any:
    return Holiday.objects.filter(pk=url["holiday_id"], calendar=calendar)


ROLE_CHANGE, PERSON_CHANGE = "core.role.change", "core.person.change"
GROUP_CHANGE, CALENDAR_CHANGE = "core.group.change", "core.calendar.change"

# fmt: off
# The rows of a person's page: roles given and taken away, organisations joined.
PERSON = ActionTable(
    name="person", namespace="core", prefix="people", query_one=queries.person_for,
    record_arg="person_id", services=directory_svc, actions=[
    Action("role-assign", "Give role", "role_assign", ROLE_CHANGE, form_class=RoleAssignForm,
           route="roles/", own_ids=False, fragment="#roles",
           arguments=lambda data: {"role": data["role"], "scope": data["scope_object"]},
           done=lambda p: f"{p.record.display_name} is now {p.result}.", api=False),
    # The label is read before the row goes; the service takes the assignment alone.
    Action("role-revoke", "Remove", "role_revoke", ROLE_CHANGE,
           route="roles/<int:assignment_id>/revoke/", fragment="#roles",
           row=row_in(_role_assignment, "No such role assignment."), row_arg="assignment_id",
           done=lambda p: f"{p.record.display_name} is no longer {p.row}.", api=False),
    Action("organisation-add", "Add", "person_join_organisation", PERSON_CHANGE,
           form_class=JoinOrganisationForm, route="organisations/", own_ids=False,
           arguments=lambda data: {"organisation_id": data["organisation"].pk,
                                   "is_primary": data["is_primary"]},
           done=lambda p: f"{p.record.display_name} joined {p.data['organisation']}.", api=False),
])

GROUP = ActionTable(
    name="group", namespace="core", prefix="groups", query_one=queries.group_for,
    record_arg="group_id", services=directory_svc, actions=[
    Action("member-add", "Add member", "group_add_member", GROUP_CHANGE,
           form_class=GroupMemberForm, route="members/", own_ids=False, fragment="#members",
           arguments=lambda data: {"person_id": data["person"].pk},
           done=lambda p: f"{p.data['person'].display_name} joined {p.record.name}.",
           api=False),
    Action("member-remove", "Remove", "group_remove_member", GROUP_CHANGE,
           route="members/<int:person_id>/remove/", fragment="#members",
           row=row_in(_membership, "Not a member."), url_args=_member_of_url,
           done=lambda p: f"{p.row.person.display_name} left {p.record.name}.", api=False),
])

CALENDAR = ActionTable(
    name="calendar", namespace="core", prefix="calendars", query_one=queries.calendar_for,
    record_arg="calendar_id", services=calendar_svc, actions=[
    Action("holiday-add", "Add holiday", "holiday_add", CALENDAR_CHANGE,
           form_class=HolidayForm, route="holidays/", own_ids=False, fragment="#holidays",
           done=lambda p: f"Added the holiday {p.result}.", api=False),
    Action("holiday-remove", "Remove", "holiday_remove", CALENDAR_CHANGE,
           route="holidays/<int:holiday_id>/remove/", fragment="#holidays",
           row=row_in(_holiday, "No such holiday in this calendar."), url_args=_holiday_of_url,
           done=lambda p: f"Removed the holiday {p.row}.", api=False),
])
# fmt: on
