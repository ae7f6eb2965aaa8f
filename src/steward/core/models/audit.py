from django.db import models

from steward.core.choices import SecurityEventKind


class SecurityEvent(models.Model):
    """One security-relevant event (OWASP ASVS V16): who, from where, what, when.

    Written by ``steward.core.audit`` outside the transaction that failed, so a refused
    or rolled-back action still leaves its trace. Never edited; old rows are pruned.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=40, choices=SecurityEventKind.choices, db_index=True)
    actor = models.ForeignKey(
        "core.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="The login name given (it may not exist)."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M:%S}"
