"""Django admin for Event Management: read-only views (the pages are the way in; every
write goes through the services)."""

from django.contrib import admin

from steward.events.models import Event, EventSource, EventType


class _ReadOnly(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Event)
class EventAdmin(_ReadOnly):
    list_display = ("pk", "source", "fingerprint", "severity", "count", "active", "status")
    list_filter = ("status", "active", "severity", "category")
    search_fields = ("fingerprint", "resource", "summary")


@admin.register(EventSource)
class EventSourceAdmin(_ReadOnly):
    list_display = ("name", "kind", "is_active", "token_hint")
    exclude = ("token_hash",)


@admin.register(EventType)
class EventTypeAdmin(_ReadOnly):
    list_display = ("code", "name", "category", "is_active")
