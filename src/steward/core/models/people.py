from django.contrib.auth.models import AbstractUser
from django.db import models

from steward.core.choices import CUSTOMER_SIDE_ROLES, OrganisationKind
from steward.core.models.records import TimeStampedModel, VersionedModel


class Organisation(VersionedModel, TimeStampedModel):
    """A service provider, customer or supplier organisation."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices, db_index=True)
    code = models.SlugField(max_length=40, unique=True, help_text="Short code used in reports.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:organisation-detail", args=[self.pk])


class Person(VersionedModel, AbstractUser):
    """Anyone Steward knows: provider staff, customer people, supplier contacts.

    A person without a usable password is a contact who cannot log in.
    """

    # first_name/last_name from AbstractUser are kept; display name is derived.
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=50, blank=True)
    mobile = models.CharField(max_length=50, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    organisations = models.ManyToManyField(
        Organisation, through="OrganisationMembership", related_name="people", blank=True
    )

    # Logging in is not an edit of the person's record.
    VERSION_IGNORED_FIELDS = frozenset({"last_login"})

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        # The people list's order, and lists sorted by a person's name (requester,
        # assignee): PostgreSQL walks people in name order instead of sorting every row.
        indexes = [
            models.Index(fields=["last_name", "first_name", "username"], name="person_name_idx")
        ]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:person-detail", args=[self.pk])

    @property
    def role_names(self) -> set[str]:
        """The roles this person holds anywhere (cached per instance)."""
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.role_assignments.values_list("role", flat=True))
        return self._role_names

    @property
    def is_customer_side(self) -> bool:
        """True when every role held is a customer-side role (requester, customer representative)."""
        if self.is_superuser:
            return False
        roles = self.role_names
        return bool(roles) and roles <= CUSTOMER_SIDE_ROLES


class OrganisationMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    is_primary = models.BooleanField(default=False)
    department = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation}"
