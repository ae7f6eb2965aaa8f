"""Django admin for Service Level Management: for looking things up and fixing details.

Statuses, approvals, signatures and figures change only through the services (the
workflows, the journal and the notifications live there), so they are read-only here.
"""

from django.contrib import admin
from django.http import HttpRequest

from steward.service_level.models import (
    Agreement,
    AgreementSignature,
    CatalogApproval,
    CatalogItem,
    CatalogItemTemplate,
    Outage,
    ReviewViolation,
    Service,
    ServiceLevelTarget,
    ServiceReportSchedule,
    SlaReview,
)


class RecordAdmin(admin.ModelAdmin):
    """Numbered, journaled records are created through the services (pages, API) and never
    deleted; the admin may correct descriptive details only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TargetInline(ReadOnlyInline):
    model = ServiceLevelTarget
    fields = ["kind", "priority", "target_seconds", "target_percent", "target_count"]
    fk_name = "agreement"


class CatalogTargetInline(TargetInline):
    fk_name = "catalog_item"


class ApprovalInline(ReadOnlyInline):
    model = CatalogApproval
    fields = ["round", "role", "approver", "for_customer", "decision", "comment", "decided_at"]


class SignatureInline(ReadOnlyInline):
    model = AgreementSignature
    fields = ["role", "person", "signed", "comment", "at"]


class ViolationInline(ReadOnlyInline):
    model = ReviewViolation
    fields = ["target", "actual", "expected", "owner", "explanation", "remedy", "explained_at"]


@admin.register(Service)
class ServiceAdmin(RecordAdmin):
    list_display = ["number", "name", "owner", "status"]
    list_filter = ["status"]
    search_fields = ["number", "name"]
    readonly_fields = ["number", "status", "discontinued_at"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["customers", "supporting_services"]


@admin.register(CatalogItemTemplate)
class CatalogItemTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(CatalogItem)
class CatalogItemAdmin(RecordAdmin):
    list_display = ["number", "name", "service", "visibility", "customer", "status"]
    list_filter = ["status", "visibility"]
    search_fields = ["number", "name", "category"]
    readonly_fields = [
        "number", "status", "approval_round", "failure_reason", "published_at",
        "discontinued_at", "template", "copied_from",
    ]  # fmt: skip
    inlines = [CatalogTargetInline, ApprovalInline]


@admin.register(Agreement)
class AgreementAdmin(RecordAdmin):
    list_display = ["number", "kind", "name", "service", "status", "term_start", "term_end"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "name"]
    readonly_fields = [
        "number", "kind", "status", "signed_at", "terminated_at", "termination_reason",
    ]  # fmt: skip
    inlines = [TargetInline, SignatureInline]


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ["service", "started_at", "ended_at", "degraded", "planned"]
    list_filter = ["degraded", "planned"]
    search_fields = ["service__name", "source_reference"]
    date_hierarchy = "started_at"


@admin.register(SlaReview)
class SlaReviewAdmin(RecordAdmin):
    list_display = ["number", "customer", "term_start", "term_end", "status"]
    list_filter = ["status"]
    search_fields = ["number", "customer__name"]
    readonly_fields = ["number", "status", "figures", "computed_at"]
    inlines = [ViolationInline]


@admin.register(ServiceReportSchedule)
class ServiceReportScheduleAdmin(admin.ModelAdmin):
    list_display = ["customer", "frequency", "is_active", "last_period_end", "last_sent_at"]
    list_filter = ["frequency", "is_active"]
    readonly_fields = ["last_period_end", "last_sent_at"]
