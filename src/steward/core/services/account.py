"""A person's own sign-in credentials (OWASP ASVS 5.0 V6.2.2-V6.2.3, V6.4.3)."""

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from steward.core import audit, journal
from steward.core.choices import SecurityEventKind
from steward.core.models import Person


def password_change(*, actor: Person, current_password: str, new_password: str) -> Person:
    """Change the actor's own password: the current one is required, the new one must
    pass the password rules. Other sessions of the person stop working (Django ties a
    session to the password hash); the caller keeps the current one."""
    if not actor.is_authenticated or not actor.is_active or not actor.has_usable_password():
        raise PermissionDenied("You cannot change a password here.")
    errors: dict[str, list[str]] = {}
    if not actor.check_password(current_password or ""):
        errors["current_password"] = ["That is not your current password."]
    if not new_password:
        errors["new_password"] = ["Choose a new password."]
    elif new_password == current_password:
        errors["new_password"] = ["The new password must differ from the current one."]
    else:
        try:
            password_validation.validate_password(new_password, actor)
        except ValidationError as exc:
            errors["new_password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=actor.pk)
        person.set_password(new_password)
        person.save(update_fields=["password"])
        journal.system(person, text=f"{person} changed their password.")
        audit.record(SecurityEventKind.PASSWORD_CHANGED, actor=person)
    actor.password = person.password
    return person
