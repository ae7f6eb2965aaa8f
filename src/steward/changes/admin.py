"""Django admin for Change Management's reference data (the pages are the main way in)."""

from django.contrib import admin

from steward.changes.models import ChangePolicy, ChangeTemplate, TaskTemplate


@admin.register(ChangePolicy)
class ChangePolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")


class TaskTemplateInline(admin.TabularInline):
    model = TaskTemplate
    extra = 0


@admin.register(ChangeTemplate)
class ChangeTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "change_type", "category", "service", "is_active")
    inlines = [TaskTemplateInline]
