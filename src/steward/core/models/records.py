"""Building blocks every record type inherits: timestamps, a human number and a version."""

from functools import partial
from typing import Any

from django.db import models, transaction


def optional_fk(to: Any, *, on_delete: Any = models.PROTECT, **options: Any) -> models.ForeignKey:
    """A reference a record may leave empty (NULL, and blank on forms), by default keeping
    what it names from being deleted (PROTECT): the most common link between records."""
    return models.ForeignKey(to, on_delete=on_delete, null=True, blank=True, **options)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NumberSequence(models.Model):
    """The last number handed out per record prefix (INC, CHG, SVC...)."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"


class NumberedRecord(TimeStampedModel):
    """A record people refer to by number (``INC000123``).

    Subclasses set ``NUMBER_PREFIX``; services call ``numbering.assign(record)``
    before the first save, inside their transaction, so a rolled-back creation
    gives its number back.
    """

    NUMBER_PREFIX = ""
    number = models.CharField(max_length=20, unique=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        title = getattr(self, "title", "") or getattr(self, "name", "")
        return f"{self.number} {title}".strip()


class VersionedModel(models.Model):
    """An editable record: ``lock_version`` counts its writes, for optimistic concurrency.

    Every ``save()`` of an existing row writes ``lock_version = lock_version + 1`` in the
    database, so an ETag or a form taken before any write (an edit, a transition, a touch)
    no longer matches after it; services compare the version the caller started from
    under their row lock (``core.versioning.check``). The bump lives here, beside
    ``auto_now``, so no write path can forget it, and it is computed by the database, so
    even a write through an instance read before someone else's write gets a new number.
    (Not named ``version``: a CI has a software version.)

    ``VERSION_IGNORED_FIELDS``: saves touching only these are bookkeeping, not edits
    (a person's ``last_login``), and keep the version.
    """

    lock_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Counts the record's writes; send it back (If-Match, or the form's hidden "
        "field) so a save from an older state is refused instead of overwriting.",
    )

    VERSION_IGNORED_FIELDS: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not update_fields:
            return super().save(*args, **kwargs)  # Django skips it: not a write
        if self._state.adding or self.pk is None or kwargs.get("force_insert"):
            self._lock_version_base = 0  # an insert: the database takes no expression
            super().save(*args, **kwargs)
        elif update_fields is not None and set(update_fields) <= self.VERSION_IGNORED_FIELDS:
            return super().save(*args, **kwargs)
        else:
            known = self.lock_version
            if getattr(self, "_lock_version_base", None) is None:
                self._lock_version_base = known
            if update_fields is not None:
                kwargs["update_fields"] = [*dict.fromkeys([*update_fields, "lock_version"])]
            self.lock_version = models.F("lock_version") + 1
            try:
                super().save(*args, **kwargs)
            except BaseException:
                self.lock_version = known
                raise
            self.lock_version = known + 1  # exact under the row lock services take first
        # Once committed, the next write through this instance starts a new version.
        transaction.on_commit(
            partial(_settle_version, self, self.lock_version), using=self._state.db
        )

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> "VersionedModel":
        instance = super().from_db(db, field_names, values)
        instance._lock_version_base = instance.__dict__.get("lock_version")
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        fields = kwargs.get("fields") or (args[1] if len(args) > 1 else None)
        if fields is None or "lock_version" in fields:
            self._lock_version_base = self.__dict__.get("lock_version")

    @property
    def written_version(self) -> int:
        """The first version this transaction's writes of the record produce: journal
        entries carry it, so "what changed after version N" is every entry above N."""
        base = getattr(self, "_lock_version_base", None)
        return self.lock_version if base is None else base + 1


def _settle_version(instance: VersionedModel, version: int) -> None:
    if instance.__dict__.get("lock_version") == version:
        instance._lock_version_base = version
