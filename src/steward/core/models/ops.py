from django.db import models


class WorkerHeartbeat(models.Model):
    """Last sign of life of a background worker or scheduler, for /healthz."""

    name = models.CharField(max_length=100, primary_key=True)
    kind = models.CharField(max_length=20)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=120, blank=True)  # the node: STEWARD_NODE_NAME
    pid = models.PositiveIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class PeriodicJobRun(models.Model):
    """One slot of a periodic job; the unique key lets several schedulers run without doubles."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="uniq_job_slot")]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class ReferenceVersion(models.Model):
    """A random token per set of cached reference data (``steward.core.refcache``),
    replaced in the transaction that changes the data: processes holding an older token
    load the set again."""

    name = models.CharField(max_length=60, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"
