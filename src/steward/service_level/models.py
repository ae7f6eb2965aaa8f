"""Service Level Management records (seed 003 ch. 11; ISO/IEC 20000 Service Level
Management and Service Reporting): services, the catalog, agreements and their targets,
outages, SLA reviews and service report schedules."""

from django.db import models

from steward.core.choices import Priority
from steward.core.models import NumberedRecord, TimeStampedModel, VersionedModel, optional_fk
from steward.service_level.choices import (
    AgreementKind,
    AgreementStatus,
    ApprovalDecision,
    ApprovalRole,
    CatalogItemStatus,
    ReportFrequency,
    RequestFieldKind,
    ReviewStatus,
    ServiceStatus,
    SignatoryRole,
    TargetKind,
    Visibility,
)


class Service(VersionedModel, NumberedRecord):
    """A business service (the seed's "service infrastructure")."""

    NUMBER_PREFIX = "SVC"

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, related_name="owned_services", null=True
    )
    status = models.CharField(
        max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.IN_DESIGN
    )
    service_hours = optional_fk("core.BusinessCalendar")
    provider = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="provided_services", null=True
    )
    customers = models.ManyToManyField(
        "core.Organisation", related_name="subscribed_services", blank=True
    )
    supporting_services = models.ManyToManyField(
        "self", symmetrical=False, related_name="supported_services", blank=True
    )
    discontinued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service_level:service-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self]


class CatalogItemTemplate(VersionedModel, TimeStampedModel):
    """The Catalog Item Template a new catalog item is prepared from."""

    name = models.CharField(max_length=200, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    # [{"kind": "resolution", "priority": "1", "seconds": 14400}, {"kind": "availability", "percent": "99.9"}]
    default_targets = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CatalogItem(VersionedModel, NumberedRecord):
    """What a customer can subscribe to: a service at a level, with its targets and charge."""

    NUMBER_PREFIX = "CAT"

    name = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="catalog_items")
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    customer = optional_fk(
        "core.Organisation",
        related_name="private_catalog_items",
        help_text="The one customer a private (one-off) item is for.",
    )
    target_customers = models.ManyToManyField(
        "core.Organisation",
        blank=True,
        related_name="catalog_items_prepared_for",
        help_text="Customers whose requirements the item covers; their service level managers approve it.",
    )
    status = models.CharField(
        max_length=20, choices=CatalogItemStatus.choices, default=CatalogItemStatus.DRAFT
    )
    charge = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    charge_unit = models.CharField(max_length=50, blank=True, help_text='e.g. "per user per month"')
    request_instructions = models.TextField(blank=True)
    template = optional_fk(CatalogItemTemplate, on_delete=models.SET_NULL)
    copied_from = optional_fk("self", on_delete=models.SET_NULL)
    approval_round = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    discontinued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility="public", customer__isnull=True)
                | models.Q(visibility="private", customer__isnull=False),
                name="catalog_item_private_has_customer",
            )
        ]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service_level:catalog-item-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service, *([self.customer] if self.customer_id else [])]


class RequestType(VersionedModel, TimeStampedModel):
    """What a customer may ask for under a catalog item ("New laptop"), with its own form
    fields; submitting one registers a user service request (Incident Management)."""

    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.CASCADE, related_name="request_types"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Shown above the form.")
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Seed 003 ch. 3 proc. 1's second source: submitting it also generates a request for
    # change (Change Management), linked to the user service request.
    creates_change_request = models.BooleanField(
        default=False, help_text="Submitting it also sends a request for change."
    )

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["catalog_item", "name"], name="uniq_request_type_name")
        ]

    def __str__(self) -> str:
        return self.name

    def permission_scopes(self) -> list[models.Model]:
        return self.catalog_item.permission_scopes()


class RequestField(models.Model):
    """One question of a request type's form, in ``position`` order."""

    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=50, help_text="The answer's name in the API.")
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=RequestFieldKind.choices)
    required = models.BooleanField(default=False)
    help = models.CharField(max_length=300, blank=True)
    options = models.JSONField(default=list, blank=True, help_text="The choices (kind choice).")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request_type", "key"], name="uniq_request_field_key")
        ]

    def __str__(self) -> str:
        return self.label


class CatalogApproval(models.Model):
    """One approver's signature on one approval round of a catalog item."""

    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.CASCADE, related_name="approvals"
    )
    round = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=30, choices=ApprovalRole.choices)
    approver = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    for_customer = optional_fk("core.Organisation", related_name="+")
    decision = models.CharField(
        max_length=10, choices=ApprovalDecision.choices, default=ApprovalDecision.PENDING
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_item", "round", "role", "approver"], name="uniq_catalog_approval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.approver}: {self.get_decision_display()}"


class Agreement(VersionedModel, NumberedRecord):
    """An SLA with a customer, an OLA with an internal group, or an underpinning contract."""

    NUMBER_PREFIX = "AGR"  # the service picks SLA / OLA / UC by kind

    kind = models.CharField(max_length=5, choices=AgreementKind.choices)
    name = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="agreements")
    catalog_item = optional_fk(CatalogItem, related_name="agreements")
    customer = optional_fk("core.Organisation", related_name="slas")
    support_group = optional_fk("core.SupportGroup", related_name="olas")
    supplier = optional_fk("core.Organisation", related_name="underpinning_contracts")
    status = models.CharField(
        max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    term_start = models.DateField()
    term_end = models.DateField(null=True, blank=True, help_text="Blank: until terminated.")
    evaluation_months = models.PositiveSmallIntegerField(
        default=3, help_text="Length of each evaluation term, reviewed at its end."
    )
    description = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["service__name", "kind", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="sla", customer__isnull=False)
                | models.Q(kind="ola", support_group__isnull=False)
                | models.Q(kind="uc", supplier__isnull=False),
                name="agreement_has_its_party",
            )
        ]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service_level:agreement-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        party = self.customer or self.support_group or self.supplier
        return [self.service, *([party] if party else [])]


class AgreementSignature(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(max_length=30, choices=SignatoryRole.choices)
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    signed = models.BooleanField(help_text="False: declined to sign.")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.person}: {'signed' if self.signed else 'declined'}"


class ServiceLevelTarget(VersionedModel, models.Model):
    """One promise of an agreement (or offered by a catalog item): e.g. P1 resolution in 4 h."""

    agreement = optional_fk(Agreement, on_delete=models.CASCADE, related_name="targets")
    catalog_item = optional_fk(CatalogItem, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=20, choices=TargetKind.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    target_seconds = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Response, resolution, RTO, RPO (business time for response/resolution).",
    )
    target_percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    target_count = models.PositiveIntegerField(null=True, blank=True)
    warning_percent = models.PositiveSmallIntegerField(default=75)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreement__isnull=False, catalog_item__isnull=True)
                | models.Q(agreement__isnull=True, catalog_item__isnull=False),
                name="target_belongs_to_one",
            )
        ]

    def __str__(self) -> str:
        label = TargetKind(self.kind).label
        return f"P{self.priority} {label}" if self.priority else label


class Outage(models.Model):
    """A period a service was unavailable (or degraded) for its customers."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="outages")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    degraded = models.BooleanField(default=False, help_text="Degraded rather than down.")
    planned = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    source_reference = models.CharField(
        max_length=40, blank=True, help_text="Number of the incident or change that recorded it."
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["service", "started_at"])]

    def __str__(self) -> str:
        return f"{self.service} outage {self.started_at:%Y-%m-%d %H:%M}"


class SlaReview(VersionedModel, NumberedRecord):
    """The end-of-term review of a customer's SLAs (seed 003 ch. 11 proc. 5)."""

    NUMBER_PREFIX = "SLR"

    customer = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="sla_reviews"
    )
    agreements = models.ManyToManyField(Agreement, related_name="reviews")
    service_level_manager = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, related_name="+"
    )
    term_start = models.DateField()
    term_end = models.DateField()
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.SCHEDULED
    )
    meeting_at = models.DateTimeField(null=True, blank=True)
    improvement_suggestions = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    request_references = models.JSONField(
        default=list,
        blank=True,
        help_text="Numbers of the incident requests registered from the meeting.",
    )
    figures = models.JSONField(default=dict, blank=True, help_text="Actual vs target, as computed.")
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-term_end", "customer__name"]
        verbose_name = "SLA review"
        verbose_name_plural = "SLA reviews"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service_level:review-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.customer]


class ReviewViolation(models.Model):
    """A target missed in the term, with the service owner's explanation and remedy."""

    review = models.ForeignKey(SlaReview, on_delete=models.CASCADE, related_name="violations")
    target = models.ForeignKey(ServiceLevelTarget, on_delete=models.PROTECT, related_name="+")
    actual = models.CharField(max_length=100)
    expected = models.CharField(max_length=100)
    owner = optional_fk("core.Person", related_name="+")
    explanation = models.TextField(blank=True)
    remedy = models.TextField(blank=True)
    explained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.target}: {self.actual} (target {self.expected})"


class ServiceReportSchedule(models.Model):
    """A periodic service report for a customer, sent by email (ISO/IEC 20000 service reporting)."""

    customer = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="report_schedules"
    )
    frequency = models.CharField(
        max_length=10, choices=ReportFrequency.choices, default=ReportFrequency.MONTHLY
    )
    recipients = models.ManyToManyField("core.Person", related_name="+", blank=True)
    is_active = models.BooleanField(default=True)
    last_period_end = models.DateField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["customer__name"]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} report for {self.customer}"
