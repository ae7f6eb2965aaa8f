"""Django admin for Release Management: read-only views (the pages are the way in; every
write goes through the services)."""

from django.contrib import admin

from steward.releases.models import BusinessCase, Cab, CabMeeting, Release


class _ReadOnly(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Release)
class ReleaseAdmin(_ReadOnly):
    list_display = ("number", "title", "service", "release_type", "status")
    list_filter = ("status", "release_type")
    search_fields = ("number", "title")


@admin.register(Cab)
class CabAdmin(_ReadOnly):
    list_display = ("name", "service")


@admin.register(CabMeeting)
class CabMeetingAdmin(_ReadOnly):
    list_display = ("number", "cab", "starts_at", "status")


@admin.register(BusinessCase)
class BusinessCaseAdmin(_ReadOnly):
    list_display = ("number", "release", "status", "budget_requested")
