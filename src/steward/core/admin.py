"""Django admin for the core configuration data.

Saves go through the same services as the pages and the API, so the journal stays complete
and the permission checks apply; records with a history are deactivated, never deleted.
Delivery logs, tokens and the journal are read-only here; secrets and hashes are not shown.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from steward.core.api_auth import token_revoke
from steward.core.models import (
    ApiToken,
    BusinessCalendar,
    Holiday,
    JournalEntry,
    Organisation,
    Person,
    RoleAssignment,
    SecurityEvent,
    SupportGroup,
    SupportGroupMembership,
    WebhookDelivery,
    WebhookSubscription,
    WorkingPeriod,
)
from steward.core.services import calendars as calendar_svc
from steward.core.services import directory as directory_svc

admin.site.site_header = "Steward configuration"
admin.site.site_title = "Steward admin"
admin.site.index_title = "Configuration data"
admin.site.site_url = "/"


def _changed(form: forms.ModelForm, allowed: list[str]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}


def _saved_by_services(formsets: Any) -> None:
    """The admin's change message reads what formset.save() would have recorded."""
    for formset in formsets:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def _adopt(obj: Model, saved: Model) -> None:
    """Let the admin continue with the object the service saved (for its log and redirect)."""
    obj.pk = saved.pk
    obj._state.adding = False
    for name in ("created_at", "updated_at"):
        if hasattr(saved, name):
            setattr(obj, name, getattr(saved, name))


class ServiceBackedAdmin(admin.ModelAdmin):
    """Saved through the services: ``create(actor=, **fields)`` for a new record,
    ``update(actor=, <id_arg>=, data=)`` with the changed ``service_fields``. No deleting:
    journaled records are deactivated instead."""

    create: Any = None  # staticmethod(the area's create service)
    update: Any = None
    id_arg = ""
    service_fields: list[str] = []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def created_with(self, form: Any) -> dict[str, Any]:
        """What ``create`` takes besides the ``service_fields`` (a person's username)."""
        return {}

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if change:
            data = _changed(form, self.service_fields)
            self.update(actor=request.user, data=data, **{self.id_arg: obj.pk})
        else:
            data = {f: form.cleaned_data[f] for f in self.service_fields if f in form.cleaned_data}
            _adopt(obj, self.create(actor=request.user, **self.created_with(form), **data))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Directory ------------------------------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(ServiceBackedAdmin):
    list_display = ["name", "code", "kind", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "email"]
    fields = service_fields = directory_svc.ORGANISATION_FIELDS
    create = staticmethod(directory_svc.organisation_create)
    update = staticmethod(directory_svc.organisation_update)
    id_arg = "organisation_id"


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["username", *directory_svc.PERSON_FIELDS]


@admin.register(Person)
class PersonAdmin(ServiceBackedAdmin):
    form = PersonAdminForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "job_title",
        "is_active",
        "is_staff",
    ]
    list_filter = ["is_active", "is_staff", "is_superuser", "role_assignments__role"]
    search_fields = ["username", "first_name", "last_name", "email"]
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
    service_fields = directory_svc.PERSON_FIELDS
    create = staticmethod(directory_svc.person_create)
    update = staticmethod(directory_svc.person_update)
    id_arg = "person_id"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["username", *directory_svc.PERSON_FIELDS, *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The username is the sign-in name; it is set once.
        return (
            [*self.readonly_fields, "username"] if obj is not None else list(self.readonly_fields)
        )

    def created_with(self, form: Any) -> dict[str, Any]:
        return {"username": form.cleaned_data["username"]}


class MembershipInline(admin.TabularInline):
    model = SupportGroupMembership
    fields = ["person", "skills", "is_available"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Members (change them on the group's page in Steward)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SupportGroup)
class SupportGroupAdmin(ServiceBackedAdmin):
    list_display = ["name", "organisation", "email", "is_active"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["name", "skills"]
    fields = service_fields = directory_svc.GROUP_FIELDS
    create = staticmethod(directory_svc.group_create)
    update = staticmethod(directory_svc.group_update)
    id_arg = "group_id"
    inlines = [MembershipInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        _saved_by_services(formsets)  # memberships are read-only here


class RoleAssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["person", "role", "scope_type", "scope_id"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope_type, scope_id = data.get("scope_type"), data.get("scope_id")
        data["scope"] = None
        if scope_type is not None or scope_id is not None:
            if scope_type is None or scope_id is None:
                raise ValidationError("Give both the scope type and the scope id, or neither.")
            try:
                data["scope"] = scope_type.get_object_for_this_type(pk=scope_id)
            except scope_type.model_class().DoesNotExist:
                self.add_error("scope_id", "No such object.")
        return data

    def validate_unique(self) -> None:
        pass  # assigning a role twice changes nothing (the service returns the existing one)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Give roles here (or on the person's page); taking one away is deleting it."""

    form = RoleAssignmentAdminForm
    list_display = ["person", "role", "scope_type", "scope_id", "granted_by", "created_at"]
    list_filter = ["role", "scope_type"]
    search_fields = ["person__username", "person__first_name", "person__last_name"]
    autocomplete_fields = ["person"]
    list_select_related = ["person", "scope_type", "granted_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        assignment = directory_svc.role_assign(
            actor=request.user,
            person_id=form.cleaned_data["person"].pk,
            role=form.cleaned_data["role"],
            scope=form.cleaned_data["scope"],
        )
        obj.pk = assignment.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        directory_svc.role_revoke(actor=request.user, assignment_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for assignment_id in list(queryset.values_list("pk", flat=True)):
            directory_svc.role_revoke(actor=request.user, assignment_id=assignment_id)


# --- Calendars --------------------------------------------------------------------------------


class PeriodFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        # The service's own rules (no overlaps, 00:00 = midnight), checked before saving.
        try:
            calendar_svc.clean_periods(self.periods())
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def periods(self) -> list[dict[str, Any]]:
        return [
            {k: f.cleaned_data[k] for k in ("weekday", "start_time", "end_time")}
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("weekday") is not None
        ]


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    formset = PeriodFormSet
    fields = ["weekday", "start_time", "end_time"]
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    fields = ["date", "name"]
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ServiceBackedAdmin):
    list_display = ["name", "time_zone", "updated_at"]
    search_fields = ["name"]
    fields = service_fields = calendar_svc.CALENDAR_FIELDS
    create = staticmethod(calendar_svc.calendar_create)
    update = staticmethod(calendar_svc.calendar_update)
    id_arg = "calendar_id"
    inlines = [WorkingPeriodInline, HolidayInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        calendar = form.instance
        _saved_by_services(formsets)
        for formset in formsets:
            if isinstance(formset, PeriodFormSet):
                calendar_svc.calendar_set_periods(
                    actor=request.user, calendar_id=calendar.pk, periods=formset.periods()
                )
            elif formset.model is Holiday:
                self._save_holidays(request, calendar, formset)

    def _save_holidays(
        self, request: HttpRequest, calendar: BusinessCalendar, formset: Any
    ) -> None:
        for f in formset.forms:
            if not f.has_changed() and not (f.cleaned_data or {}).get("DELETE"):
                continue
            data = f.cleaned_data or {}
            existing = f.instance.pk
            if existing:
                calendar_svc.holiday_remove(
                    actor=request.user, calendar_id=calendar.pk, holiday_id=existing
                )
            if not data.get("DELETE") and data.get("date"):
                calendar_svc.holiday_add(
                    actor=request.user,
                    calendar_id=calendar.pk,
                    date=data["date"],
                    name=data["name"],
                )


# --- Webhooks, tokens, journal: read-only -----------------------------------------------------


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["name", "url", "record_type", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    fields = ["name", "url", "record_type", "events", "is_active", "created_at"]  # never the secret


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "subscription"]
    list_select_related = ["subscription"]
    date_hierarchy = "created_at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "person",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "person__username"]
    fields = list_display  # not the hash
    list_select_related = ["person"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for token_id in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            token_revoke(actor=request.user, token_id=token_id)
            count += 1
        messages.success(request, f"Revoked {count} token(s).")


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "record_type", "record_id", "kind", "actor", "field"]
    list_filter = ["kind", "record_type"]
    list_select_related = ["actor", "record_type"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor", "record_type")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """The security audit log: failed logins, lockouts, denials, tokens, refused targets."""

    list_display = ["created_at", "kind", "username", "actor", "ip_address", "path", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address", "detail", "path"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
