"""Saved views of list pages: a person's filters, columns and sort for one list, kept for
themselves or shared with a support group they belong to (``core/services/saved_views``)."""

from django.db import models

from steward.core.models.records import TimeStampedModel, VersionedModel, optional_fk


class SavedView(VersionedModel, TimeStampedModel):
    """One saved way of looking at a list page (``list_key``: the page's URL name, such as
    ``incidents:incident-list``). ``query`` is the page's query string (filters and sort),
    ``columns`` the keys of the visible columns (empty: all)."""

    owner = models.ForeignKey("core.Person", on_delete=models.CASCADE, related_name="saved_views")
    group = optional_fk(
        "core.SupportGroup",
        on_delete=models.CASCADE,
        related_name="saved_views",
        help_text="Shared with this group's members; empty: only for the owner.",
    )
    list_key = models.CharField(max_length=100)
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    columns = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["list_key", "owner"], name="saved_view_owner_idx")]

    def __str__(self) -> str:
        return self.name
