from django.contrib import admin

from steward.service_level.models import Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "owner", "status"]
    list_filter = ["status"]
    search_fields = ["number", "name"]
    readonly_fields = ["number"]
