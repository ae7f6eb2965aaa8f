from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from steward.core.choices import Role
from steward.core.models.people import Organisation, Person
from steward.core.models.records import TimeStampedModel, VersionedModel


class SupportGroup(VersionedModel, TimeStampedModel):
    """A team records are assigned to; its coordinator is a scoped role assignment."""

    name = models.CharField(max_length=120, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="support_groups"
    )
    email = models.EmailField(blank=True)
    description = models.TextField(blank=True)
    skills = models.CharField(max_length=300, blank=True, help_text="Comma-separated keywords.")
    calendar = models.ForeignKey(
        "core.BusinessCalendar", on_delete=models.SET_NULL, null=True, blank=True
    )
    members = models.ManyToManyField(
        Person, through="SupportGroupMembership", related_name="support_groups", blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:group-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self]


class SupportGroupMembership(models.Model):
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="group_memberships")
    skills = models.CharField(max_length=300, blank=True)
    is_available = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="uniq_group_membership")
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.group}"


class RoleAssignment(models.Model):
    """A role held by a person, everywhere or limited to one service, group or organisation."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40, choices=Role.choices, db_index=True)
    scope_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    created_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["role"]
        indexes = [models.Index(fields=["scope_type", "scope_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=models.Q(scope_type__isnull=True),
                name="uniq_global_role",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "scope_type", "scope_id"],
                condition=models.Q(scope_type__isnull=False),
                name="uniq_scoped_role",
            ),
            models.CheckConstraint(
                condition=models.Q(scope_type__isnull=True, scope_id__isnull=True)
                | models.Q(scope_type__isnull=False, scope_id__isnull=False),
                name="role_scope_complete",
            ),
        ]

    def __str__(self) -> str:
        label = Role(self.role).label
        return f"{label} of {self.scope}" if self.scope_type_id else label
