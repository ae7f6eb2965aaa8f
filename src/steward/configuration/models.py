"""The CMDB (seed 003 ch. 4): CI classes with typed attributes, CIs, typed directional
relationships with class rules, and the history that lets a CI be shown as it was.

Design notes (docs/ARCHITECTURE.md has the long form):
- Attribute values live in ``ConfigurationItem.attributes`` (JSON), validated by the
  services against the class's ``AttributeDefinition`` rows (a class inherits its
  parent's definitions). One JSON column keeps "filter by class and one attribute" to a
  single indexed table.
- Every business service is also a CI (``ConfigurationItem.service``), so the relationship
  graph has one edge table and impact analysis is one recursive query.
- Relationships are never deleted: ending one sets ``valid_to``. With ``CIChange`` rows
  (typed old/new values of each field and attribute) a CI and its relations can be shown
  as they were at any date.
"""

from django.db import models

from steward.configuration.choices import (
    AttributeType,
    CIStatus,
    ClassCategory,
    ContractKind,
    ContractStatus,
    Decision,
    DeliveryStatus,
    LicenceMetric,
    PersonRelation,
    RequisitionStatus,
    RunTrigger,
)
from steward.core.models import NumberedRecord, TimeStampedModel, VersionedModel, optional_fk


class CIClass(VersionedModel, TimeStampedModel):
    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=60, unique=True)
    category = models.CharField(max_length=30, choices=ClassCategory.choices)
    parent = optional_fk("self", related_name="children")
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "CI class"
        verbose_name_plural = "CI classes"

    def __str__(self) -> str:
        return self.name


class AttributeDefinition(models.Model):
    ci_class = models.ForeignKey(
        CIClass, on_delete=models.CASCADE, related_name="attribute_definitions"
    )
    key = models.SlugField(max_length=60, help_text="Name in the API and in imports.")
    label = models.CharField(max_length=100)
    type = models.CharField(
        max_length=20, choices=AttributeType.choices, default=AttributeType.STRING
    )
    mandatory = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values of a choice.")
    help_text = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ci_class", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["ci_class", "key"], name="uniq_attribute_key")
        ]

    def __str__(self) -> str:
        return f"{self.ci_class}.{self.key}"


class ConfigurationItem(VersionedModel, NumberedRecord):
    NUMBER_PREFIX = "CI"

    name = models.CharField(max_length=200, db_index=True)
    ci_class = models.ForeignKey(CIClass, on_delete=models.PROTECT, related_name="items")
    status = models.CharField(
        max_length=20, choices=CIStatus.choices, default=CIStatus.IN_PRODUCTION, db_index=True
    )
    owner = optional_fk("core.Person", related_name="owned_cis")
    support_group = optional_fk("core.SupportGroup", related_name="cis")
    serial_number = models.CharField(max_length=100, blank=True, db_index=True)
    version = models.CharField(max_length=60, blank=True)
    location = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    service = models.OneToOneField(
        "service_level.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ci",
        help_text="Set on the CI that stands for a business service in the graph.",
    )
    last_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the real configuration was last checked."
    )

    class Meta:
        ordering = ["name", "number"]
        verbose_name = "configuration item"
        indexes = [models.Index(fields=["ci_class", "status"])]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("configuration:ci-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [s for s in (self.support_group, self.service) if s is not None]


class CIAttributeValue(models.Model):
    """One attribute value of a CI, as its JSON text (``"RHEL 9"``, ``64``, ``true``), kept
    by the CMDB services next to ``ConfigurationItem.attributes``.

    It exists for one question, "which CIs have attribute K = V", answered from the
    (key, value) index on SQLite and PostgreSQL alike instead of reading the JSON of every
    CI of the class.
    """

    ci = models.ForeignKey(
        ConfigurationItem, on_delete=models.CASCADE, related_name="attribute_values"
    )
    key = models.CharField(max_length=60)
    value = models.CharField(max_length=255, help_text="The value as JSON text, cut at 255.")

    class Meta:
        indexes = [models.Index(fields=["key", "value", "ci"], name="ci_attribute_value_idx")]
        constraints = [
            models.UniqueConstraint(fields=["ci", "key"], name="uniq_ci_attribute_value")
        ]

    def __str__(self) -> str:
        return f"{self.ci_id}.{self.key}={self.value}"


class RelationshipType(models.Model):
    """A kind of link, read from source to target: "app runs on server".

    ``impact_flows_to_source``: when the target fails, the source is affected (runs on,
    depends on, installed on, uses, part of); false for links that carry no impact.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    reverse_name = models.CharField(max_length=60)
    impact_flows_to_source = models.BooleanField(default=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RelationshipRule(models.Model):
    """Which classes a type may connect; a type with no rules connects any classes."""

    type = models.ForeignKey(RelationshipType, on_delete=models.CASCADE, related_name="rules")
    source_class = models.ForeignKey(CIClass, on_delete=models.CASCADE, related_name="+")
    target_class = models.ForeignKey(CIClass, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["type", "source_class", "target_class"], name="uniq_relationship_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_class} {self.type} {self.target_class}"


class Relationship(VersionedModel, models.Model):
    source = models.ForeignKey(ConfigurationItem, on_delete=models.PROTECT, related_name="outgoing")
    target = models.ForeignKey(ConfigurationItem, on_delete=models.PROTECT, related_name="incoming")
    type = models.ForeignKey(
        RelationshipType, on_delete=models.PROTECT, related_name="relationships"
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = optional_fk("core.Person", related_name="+")
    ended_by = optional_fk("core.Person", related_name="+")
    cause = models.CharField(max_length=40, blank=True, help_text="Change or task number.")
    # The change the link was made (``change``) or ended (``ended_change``) under; ``cause``
    # then holds its number. Older rows and purchase requisitions keep the free text only.
    change = optional_fk("changes.Change", related_name="relationships_added")
    ended_change = optional_fk("changes.Change", related_name="relationships_ended")

    class Meta:
        ordering = ["source", "type", "target"]
        indexes = [
            models.Index(fields=["source", "valid_to"]),
            models.Index(fields=["target", "valid_to"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "type"],
                condition=models.Q(valid_to__isnull=True),
                name="uniq_current_relationship",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="relationship_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.type} {self.target}"


class CIPerson(models.Model):
    """People related to a CI (its users, administrators, contacts)."""

    ci = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey("core.Person", on_delete=models.CASCADE, related_name="ci_links")
    relation = models.CharField(max_length=20, choices=PersonRelation.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ci", "person", "relation"], name="uniq_ci_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_relation_display()} of {self.ci}"


class CIChange(models.Model):
    """One changed field or attribute of a CI, with typed values, who, when and why."""

    ci = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(db_index=True)
    actor = optional_fk("core.Person", related_name="+")
    cause = models.CharField(max_length=40, blank=True, help_text="Change or task number.")
    # The change the CI was changed under (``cause`` then holds its number); older rows and
    # purchase requisitions keep the free text only.
    change = optional_fk("changes.Change", related_name="ci_changes")
    field = models.CharField(max_length=100, help_text='A CI field, or "attributes.<key>".')
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ci", "at"])]

    def __str__(self) -> str:
        return f"{self.ci} {self.field} at {self.at:%Y-%m-%d %H:%M}"


# --- Suppliers, contracts and licence certificates (procedures 2 and 5) ------------------


class SupplierDetails(TimeStampedModel):
    """What Configuration Management keeps about a supplier organisation beyond the
    directory (``core.Organisation`` with kind "supplier"; its people are the contacts)."""

    organisation = models.OneToOneField(
        "core.Organisation", on_delete=models.CASCADE, related_name="supplier_details"
    )
    account_number = models.CharField(
        max_length=60, blank=True, help_text="Our customer number at the supplier."
    )
    supplies = models.CharField(
        max_length=200, blank=True, help_text="What they supply: hardware, licences, support."
    )
    contact_details_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the contact details were last confirmed."
    )
    contact_details_checked_by = optional_fk("core.Person", related_name="+")

    class Meta:
        verbose_name = "supplier details"
        verbose_name_plural = "supplier details"

    def __str__(self) -> str:
        return str(self.organisation)


class Contract(VersionedModel, NumberedRecord):
    """A contract or licence certificate with a supplier, covering CIs (procedure 5)."""

    NUMBER_PREFIX = "CTR"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=ContractKind.choices, db_index=True)
    status = models.CharField(
        max_length=20, choices=ContractStatus.choices, default=ContractStatus.ACTIVE, db_index=True
    )
    supplier = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="contracts"
    )
    supplier_reference = models.CharField(
        max_length=100, blank=True, help_text="The supplier's contract or certificate number."
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, db_index=True)
    notice_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days of notice needed to end or renew it."
    )
    remind_days_before = models.PositiveSmallIntegerField(
        default=60, help_text="Remind the owner this many days before it ends."
    )
    reminded_for_end = models.DateField(
        null=True, blank=True, help_text="The end date the expiry reminder was sent for."
    )
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    owner = optional_fk("core.Person", related_name="+")
    cis = models.ManyToManyField(ConfigurationItem, blank=True, related_name="contracts")
    # Licence certificates: what they entitle.
    licensed_software = optional_fk(
        ConfigurationItem,
        related_name="licence_certificates",
        help_text="The software CI this certificate licenses.",
    )
    licence_metric = models.CharField(max_length=20, choices=LicenceMetric.choices, blank=True)
    entitlement = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many installations, users or cores it covers."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["ends_on", "number"]
        indexes = [models.Index(fields=["status", "ends_on"])]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("configuration:contract-detail", args=[self.pk])


# --- CI requisition (procedures 1 and 3) --------------------------------------------------


class PurchaseRequisition(VersionedModel, NumberedRecord):
    """A request to buy new CIs for a task from Change Management (procedure 1)."""

    NUMBER_PREFIX = "PR"

    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20,
        choices=RequisitionStatus.choices,
        default=RequisitionStatus.DRAFT,
        db_index=True,
    )
    justification = models.TextField(blank=True)
    task_reference = models.CharField(
        max_length=40, blank=True, help_text="The change or task that asks for the CIs."
    )
    requested_by = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, related_name="purchase_requisitions"
    )
    change_coordinator = optional_fk(
        "core.Person", related_name="+", help_text="Told when the delivery is late or incomplete."
    )
    purchasing_agent = optional_fk("core.Person", related_name="+")
    suppliers = models.ManyToManyField(
        "core.Organisation",
        blank=True,
        related_name="+",
        help_text="The suppliers to ask for quotes.",
    )
    currency = models.CharField(max_length=3, default="EUR")
    needed_by = models.DateField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    order_reference = models.CharField(max_length=100, blank=True)
    ordered_from = optional_fk("core.Organisation", related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("configuration:requisition-detail", args=[self.pk])


class PurchaseLineItem(models.Model):
    """One thing to buy; after delivery it records what arrived and the CIs registered."""

    requisition = models.ForeignKey(
        PurchaseRequisition, on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    ci_class = optional_fk(CIClass, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    delivery_status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    received_quantity = models.PositiveIntegerField(default=0)
    delivery_note = models.TextField(blank=True)
    expected_on = models.DateField(
        null=True, blank=True, help_text="When the rest is now expected (after a delay)."
    )
    registered_cis = models.ManyToManyField(ConfigurationItem, blank=True, related_name="+")

    class Meta:
        ordering = ["requisition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "position"], name="uniq_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class SupplierQuote(models.Model):
    requisition = models.ForeignKey(
        PurchaseRequisition, on_delete=models.CASCADE, related_name="quotes"
    )
    supplier = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    reference = models.CharField(max_length=100, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    selected = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    received_at = models.DateTimeField()
    recorded_by = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["requisition", "amount"]

    def __str__(self) -> str:
        return f"{self.supplier}: {self.amount} {self.currency}"


class PurchaseApproval(models.Model):
    requisition = models.ForeignKey(
        PurchaseRequisition, on_delete=models.CASCADE, related_name="approvals"
    )
    round = models.PositiveSmallIntegerField(default=1)
    approver = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requisition", "round", "approver"], name="uniq_purchase_approval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.approver}: {self.get_decision_display()}"


# --- Baselines and integrity checks ------------------------------------------------------


class Baseline(NumberedRecord):
    """A frozen copy of a set of CIs with their attributes and relations."""

    NUMBER_PREFIX = "BL"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    service = optional_fk(
        "service_level.Service",
        related_name="+",
        help_text="Set when the baseline is one service's infrastructure.",
    )
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-taken_at"]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("configuration:baseline-detail", args=[self.pk])


class BaselineItem(models.Model):
    """One CI in a baseline: ``data`` is the shape ``ci_as_of`` returns."""

    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="items")
    ci = models.ForeignKey(ConfigurationItem, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()

    class Meta:
        ordering = ["baseline", "ci"]
        constraints = [
            models.UniqueConstraint(fields=["baseline", "ci"], name="uniq_baseline_item")
        ]

    def __str__(self) -> str:
        return f"{self.ci} in {self.baseline}"


class IntegrityRun(models.Model):
    """One run of the CMDB integrity checks: counts per check and (capped) findings."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=20, choices=RunTrigger.choices)
    actor = optional_fk("core.Person", related_name="+")
    stale_after_days = models.PositiveIntegerField()
    counts = models.JSONField(default=dict, help_text="Findings per check.")
    findings = models.JSONField(
        default=list, help_text="[{check, ci, number, name, detail}], capped per check."
    )

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Integrity run {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("configuration:integrity-run-detail", args=[self.pk])
