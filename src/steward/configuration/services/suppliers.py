"""Supplier Information Maintenance (seed 003 ch. 4, procedure 2).

A supplier is a directory organisation of kind "supplier" (``core.Organisation``) with
``SupplierDetails`` for what Configuration Management keeps beyond the directory; its
contacts are people who belong to it, usually without a login. The organisation and its
people are written by the directory services (``steward.core.services.directory``), with
the supplier right (``configuration.supplier.change``) instead of the directory's own:
configuration administrators maintain suppliers, not customers or staff.

Procedure 2 "checks whether the contact details are up to date" before a purchase
requisition or a contract: ``supplier_confirm_contact_details`` records who checked and
when, ``supplier_details_are_current`` answers the question.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from steward.configuration.models import SupplierDetails
from steward.core import journal, permissions, transitions, versioning
from steward.core.choices import OrganisationKind
from steward.core.edits import reject_unknown
from steward.core.models import Organisation, Person
from steward.core.services import directory

VIEW = "configuration.supplier.view"
CHANGE = "configuration.supplier.change"

ORGANISATION_FIELDS = ["name", "code", "email", "phone", "address", "website", "notes", "is_active"]
DETAILS_FIELDS = ["account_number", "supplies"]
CONTACT_FIELDS = ["first_name", "last_name", "email", "phone", "mobile", "job_title", "location",
                  "is_active"]  # fmt: skip
CONTACT_DETAILS_MAX_AGE_DAYS = 365


def _locked_supplier(organisation_id: int) -> Organisation:
    organisation = transitions.lock(Organisation, organisation_id)
    if organisation.kind != OrganisationKind.SUPPLIER:
        raise ValidationError({"organisation": [f"{organisation} is not a supplier."]})
    return organisation


def _details(organisation: Organisation) -> SupplierDetails:
    """The supplier's details row, locked; made when the organisation was registered as a
    supplier in the directory without them."""
    details, _ = SupplierDetails.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    return details


def _unused(model: type[models.Model], field: str, base: str, sep: str) -> str:
    """``base``, else ``base<sep>2``, ``<sep>3``...: the first that no ``model`` has as ``field``."""
    value, n = base, 1
    while model._default_manager.filter(**{field: value}).exists():
        n += 1
        value = f"{base}{sep}{n}"
    return value


def _free_code(name: str) -> str:
    return _unused(Organisation, "code", slugify(name)[:36] or "supplier", "-")


def supplier_register(
    *,
    actor: Person,
    name: str,
    code: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
    website: str = "",
    notes: str = "",
    account_number: str = "",
    supplies: str = "",
) -> Organisation:
    """Register a new supplier organisation (procedure 2, "adds it"). The contact details
    given now are the current ones: they count as checked by the registering person."""
    permissions.require(actor, CHANGE)
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Give the supplier's name."]})
    with transaction.atomic():
        organisation = directory.organisation_create(
            actor=actor,
            permission=CHANGE,
            kind=OrganisationKind.SUPPLIER,
            name=name,
            code=code.strip() or _free_code(name),
            email=email,
            phone=phone,
            address=address,
            website=website,
            notes=notes,
        )
        details = SupplierDetails(
            organisation=organisation,
            account_number=account_number,
            supplies=supplies,
            contact_details_checked_at=timezone.now(),
            contact_details_checked_by=actor,
        )
        details.full_clean()
        details.save()
    return organisation


def supplier_update(
    *,
    actor: Person,
    organisation_id: int,
    data: dict[str, Any],
    confirm: bool = False,
    expected_version: int | None = None,
) -> Organisation:
    """Update a supplier's contact information and details (procedure 2, "updates its
    contact details as needed"); ``confirm`` also records that they are now up to date."""
    reject_unknown(data, ORGANISATION_FIELDS + DETAILS_FIELDS)
    with transaction.atomic():
        organisation = _locked_supplier(organisation_id)
        permissions.require(actor, CHANGE, organisation)
        versioning.check(organisation, expected_version)
        org_data = {k: v for k, v in data.items() if k in ORGANISATION_FIELDS}
        if org_data:
            organisation = directory.organisation_update(
                actor=actor, organisation_id=organisation.pk, data=org_data, permission=CHANGE
            )
        details = _details(organisation)
        changes = journal.apply_changes(details, data, DETAILS_FIELDS)
        if changes:
            details.full_clean()
            details.save()
            journal.field_changes(organisation, actor=actor, changes=changes)
        if confirm:
            _confirm(organisation, details, actor=actor)
        if changes or confirm:
            versioning.touch(organisation)  # the details are part of the supplier record
    return organisation


def _confirm(organisation: Organisation, details: SupplierDetails, *, actor: Person) -> None:
    old = details.contact_details_checked_at
    details.contact_details_checked_at = timezone.now()
    details.contact_details_checked_by = actor
    details.save(
        update_fields=["contact_details_checked_at", "contact_details_checked_by", "updated_at"]
    )
    journal.field_changes(
        organisation,
        actor=actor,
        changes={"contact_details_checked_at": (old, details.contact_details_checked_at)},
    )


def supplier_confirm_contact_details(*, actor: Person, organisation_id: int) -> Organisation:
    """Record that the supplier's contact details were checked and are up to date
    (procedure 2, before a purchase requisition or a contract)."""
    with transaction.atomic():
        organisation = _locked_supplier(organisation_id)
        permissions.require(actor, CHANGE, organisation)
        _confirm(organisation, _details(organisation), actor=actor)
    return organisation


def supplier_details_are_current(
    supplier: Organisation,
    max_age_days: int = CONTACT_DETAILS_MAX_AGE_DAYS,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """True when the supplier's contact details were confirmed within ``max_age_days``."""
    try:
        checked = supplier.supplier_details.contact_details_checked_at
    except ObjectDoesNotExist:
        return False
    if checked is None:
        return False
    return checked >= (now or timezone.now()) - dt.timedelta(days=max_age_days)


# --- Contacts ------------------------------------------------------------------------------


def _free_username(organisation: Organisation, first_name: str, last_name: str) -> str:
    person = slugify(f"{first_name} {last_name}").replace("-", ".") or "contact"
    return _unused(Person, "username", f"{organisation.code}.{person}"[:140], ".")


def supplier_contact_add(
    *,
    actor: Person,
    organisation_id: int,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    mobile: str = "",
    job_title: str = "",
    location: str = "",
    username: str = "",
) -> Person:
    """Register a person who works for the supplier (procedure 2: "persons who work for
    these companies"). They get no login: a contact, not a user."""
    first_name, last_name = first_name.strip(), last_name.strip()
    if not (first_name or last_name):
        raise ValidationError({"last_name": ["Give the contact's name."]})
    with transaction.atomic():
        organisation = _locked_supplier(organisation_id)
        permissions.require(actor, CHANGE, organisation)
        person = directory.person_create(
            actor=actor,
            permission=CHANGE,
            username=username.strip() or _free_username(organisation, first_name, last_name),
            primary_organisation=organisation,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            mobile=mobile,
            job_title=job_title,
            location=location,
        )
        journal.field_changes(organisation, actor=actor, changes={"contact": (None, str(person))})
    return person


def supplier_contact_update(
    *,
    actor: Person,
    organisation_id: int,
    person_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Person:
    """Update a supplier contact's details (``is_active`` False when they have left).

    Only people who belong to suppliers alone and hold no role: anyone else (a member of
    staff, a customer) is changed in the directory by those who may.
    """
    reject_unknown(data, CONTACT_FIELDS)
    with transaction.atomic():
        organisation = _locked_supplier(organisation_id)
        permissions.require(actor, CHANGE, organisation)
        person = Person.objects.filter(pk=person_id, memberships__organisation=organisation).first()
        if person is None:
            raise ValidationError({"person": [f"This person is not a contact of {organisation}."]})
        elsewhere = person.organisations.exclude(kind=OrganisationKind.SUPPLIER).first()
        if elsewhere is not None or person.role_assignments.exists() or person.is_superuser:
            where = f"also belongs to {elsewhere}" if elsewhere else "is a Steward user"
            raise ValidationError({"person": [f"{person} {where}: change them in the directory."]})
        return directory.person_update(
            actor=actor,
            person_id=person.pk,
            data=data,
            permission=CHANGE,
            expected_version=expected_version,
        )
