"""Lifting login lockouts (OWASP ASVS V6.3): an administrator lets someone in again
before the cool-off ends. The failures behind the lockout are forgotten, so the person
(or address) starts again from zero."""

from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction

from steward.core import audit, lockout, permissions
from steward.core.choices import SecurityEventKind
from steward.core.models import Person

_USERNAME_MAX = AccessAttempt._meta.get_field("username").max_length


def lockout_release(
    *, actor: Person, username: str | None = None, ip_address: str | None = None
) -> int:
    """Forget the recorded failed logins of ``username`` from ``ip_address``; either may
    be left out (a login name from every address, or every login name from an address),
    as each lockout on the Lockouts page names them. Returns how many lockouts this lifted.
    """
    permissions.require(actor, "core.lockout.change")
    username = (username or "").strip() or None
    ip_address = (ip_address or "").strip() or None
    if username is None and ip_address is None:
        raise ValidationError({"non_field_errors": ["Name a login name, an address or both."]})
    if username is not None and len(username) > _USERNAME_MAX:
        raise ValidationError({"username": [f"At most {_USERNAME_MAX} characters."]})
    if ip_address is not None:
        try:
            validate_ipv46_address(ip_address)
        except ValidationError:
            raise ValidationError({"ip_address": ["Give an IPv4 or IPv6 address."]}) from None
    with transaction.atomic():
        attempts = AccessAttempt.objects.select_for_update()
        if username is not None:
            attempts = attempts.filter(username=username)
        if ip_address is not None:
            attempts = attempts.filter(ip_address=ip_address)
        before = set(_keys(lockout.current_lockouts()))
        cleared = len(list(attempts))  # locks the rows: a failure arriving now waits
        if not cleared:
            raise ValidationError(
                {"non_field_errors": ["No failed logins are recorded for that; nothing to lift."]}
            )
        attempts.delete()
        lifted = before - set(_keys(lockout.current_lockouts()))
        who = " from ".join(x for x in (username, ip_address) if x)
        audit.record(
            SecurityEventKind.UNLOCKED,
            actor=actor,
            username=username or "",
            detail=f"{who}: {len(lifted)} lockout(s) lifted, {cleared} failure record(s) cleared.",
            data={
                "username": username,
                "ip_address": ip_address,
                "lifted": [{"rule": r, "username": u, "ip_address": i} for r, u, i in lifted],
            },
        )
    return len(lifted)


def _keys(lockouts: list[lockout.Lockout]) -> list[tuple[str, str | None, str | None]]:
    return [(x.rule.name, x.username, x.ip_address) for x in lockouts]
