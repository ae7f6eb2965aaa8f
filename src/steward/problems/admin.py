"""Django admin for Problem Management: read-only views (the pages are the way in; every
write goes through the services)."""

from django.contrib import admin

from steward.problems.models import KnownError, ProblemInvestigation


@admin.register(ProblemInvestigation)
class ProblemInvestigationAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "service", "status", "specialist")
    list_filter = ("status",)
    search_fields = ("number", "title")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(KnownError)
class KnownErrorAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "service", "status")
    search_fields = ("number", "title")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
