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

from steward.configuration.choices import AttributeType, CIStatus, ClassCategory, PersonRelation
from steward.core.models import NumberedRecord, TimeStampedModel


class CIClass(TimeStampedModel):
    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=60, unique=True)
    category = models.CharField(max_length=30, choices=ClassCategory.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
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


class ConfigurationItem(NumberedRecord):
    NUMBER_PREFIX = "CI"

    name = models.CharField(max_length=200, db_index=True)
    ci_class = models.ForeignKey(CIClass, on_delete=models.PROTECT, related_name="items")
    status = models.CharField(
        max_length=20, choices=CIStatus.choices, default=CIStatus.IN_PRODUCTION, db_index=True
    )
    owner = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="owned_cis"
    )
    support_group = models.ForeignKey(
        "core.SupportGroup", on_delete=models.PROTECT, null=True, blank=True, related_name="cis"
    )
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


class Relationship(models.Model):
    source = models.ForeignKey(ConfigurationItem, on_delete=models.PROTECT, related_name="outgoing")
    target = models.ForeignKey(ConfigurationItem, on_delete=models.PROTECT, related_name="incoming")
    type = models.ForeignKey(
        RelationshipType, on_delete=models.PROTECT, related_name="relationships"
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_by = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cause = models.CharField(max_length=40, blank=True, help_text="Change or task number.")

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
    actor = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cause = models.CharField(max_length=40, blank=True, help_text="Change or task number.")
    field = models.CharField(max_length=100, help_text='A CI field, or "attributes.<key>".')
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ci", "at"])]

    def __str__(self) -> str:
        return f"{self.ci} {self.field} at {self.at:%Y-%m-%d %H:%M}"
