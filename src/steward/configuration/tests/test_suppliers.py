"""Supplier Information Maintenance (seed 003 ch. 4 procedure 2): services, API and pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.configuration.models import SupplierDetails
from steward.configuration.services import contracts as contract_svc
from steward.configuration.services import suppliers as svc
from steward.core.models import Organisation
from steward.core.testing.journal import journal_of
from steward.core.tests.api import field_errors
from steward.core.tests.factories import OrganisationFactory, make_person, staff_fixture

purchasing_agent = staff_fixture("purchasing_agent", "purchasing_agent", "buyer")


@pytest.fixture
def supplier(config_admin):
    return svc.supplier_register(
        actor=config_admin,
        name="Dell Technologies",
        email="sales@dell.example",
        phone="+31 20 000 0000",
        supplies="Servers and laptops",
        account_number="ACME-42",
    )


# --- Services --------------------------------------------------------------------------------


def test_registering_a_supplier_makes_a_directory_organisation_with_details(config_admin):
    supplier = svc.supplier_register(
        actor=config_admin,
        name="Oracle Nederland",
        email="info@oracle.example",
        supplies="Licences",
    )
    supplier.refresh_from_db()
    assert supplier.kind == "supplier"
    assert supplier.code == "oracle-nederland"
    details = supplier.supplier_details
    assert details.supplies == "Licences"
    # The details given at registration are the current ones.
    assert details.contact_details_checked_by == config_admin
    assert svc.supplier_details_are_current(supplier)
    assert journal_of(supplier, kind="created").count() == 1


def test_a_second_supplier_with_a_similar_name_gets_its_own_code(config_admin, supplier):
    other = svc.supplier_register(actor=config_admin, name="Dell  Technologies!")
    assert other.code == "dell-technologies-2"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Dell Technologies"}, "name"),  # already registered
        ({"name": "   "}, "name"),
        ({"name": "HP", "email": "not-an-address"}, "email"),
        ({"name": "HP", "website": "no url"}, "website"),
    ],
)
def test_registration_refuses_bad_input_with_field_messages(config_admin, supplier, data, field):
    with pytest.raises(ValidationError) as caught:
        svc.supplier_register(actor=config_admin, **data)
    assert field in caught.value.message_dict
    assert Organisation.objects.filter(kind="supplier").count() == 1


def test_only_supplier_maintainers_register_suppliers(specialist, purchasing_agent):
    with pytest.raises(PermissionDenied):
        svc.supplier_register(actor=specialist, name="HP")
    assert svc.supplier_register(actor=purchasing_agent, name="HP").kind == "supplier"


def test_update_journals_each_changed_field_and_can_confirm(config_admin, supplier):
    details = supplier.supplier_details
    SupplierDetails.objects.filter(pk=details.pk).update(contact_details_checked_at=None)
    svc.supplier_update(
        actor=config_admin,
        organisation_id=supplier.pk,
        data={"email": "orders@dell.example", "supplies": "Servers"},
        confirm=True,
    )
    supplier.refresh_from_db()
    details.refresh_from_db()
    assert supplier.email == "orders@dell.example"
    assert details.supplies == "Servers"
    assert details.contact_details_checked_at is not None
    changed = set(journal_of(supplier, kind="field_change").values_list("field", flat=True))
    assert {"email", "supplies", "contact_details_checked_at"} <= changed


def test_update_refuses_unknown_fields_and_organisations_that_are_not_suppliers(
    config_admin, supplier, customer_org
):
    with pytest.raises(ValidationError) as caught:
        svc.supplier_update(actor=config_admin, organisation_id=supplier.pk, data={"kind": "x"})
    assert "kind" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        svc.supplier_update(
            actor=config_admin, organisation_id=customer_org.pk, data={"email": "a@b.example"}
        )
    assert "organisation" in caught.value.message_dict


def test_a_supplier_registered_in_the_directory_gets_details_on_first_update(config_admin):
    org = OrganisationFactory(kind="supplier", name="Cisco", code="cisco")
    assert not svc.supplier_details_are_current(org)
    svc.supplier_update(actor=config_admin, organisation_id=org.pk, data={"supplies": "Routers"})
    assert SupplierDetails.objects.get(organisation=org).supplies == "Routers"


def test_confirming_contact_details_records_who_and_when(config_admin, supplier):
    before = timezone.now()
    svc.supplier_confirm_contact_details(actor=config_admin, organisation_id=supplier.pk)
    details = SupplierDetails.objects.get(organisation=supplier)
    assert details.contact_details_checked_at >= before
    assert details.contact_details_checked_by == config_admin
    assert journal_of(supplier, field="contact_details_checked_at").exists()


def test_confirming_needs_the_supplier_right(specialist, supplier):
    with pytest.raises(PermissionDenied):
        svc.supplier_confirm_contact_details(actor=specialist, organisation_id=supplier.pk)


@pytest.mark.parametrize(
    ("checked_days_ago", "max_age_days", "current"),
    [
        (None, 365, False),  # never confirmed
        (0, 365, True),
        (364, 365, True),
        (366, 365, False),
        (40, 30, False),  # a stricter rule
        (20, 30, True),
    ],
)
def test_contact_details_are_current_within_the_maximum_age(
    config_admin, supplier, checked_days_ago, max_age_days, current
):
    now = timezone.now()
    checked = None if checked_days_ago is None else now - dt.timedelta(days=checked_days_ago)
    SupplierDetails.objects.filter(organisation=supplier).update(contact_details_checked_at=checked)
    supplier = Organisation.objects.get(pk=supplier.pk)
    assert svc.supplier_details_are_current(supplier, max_age_days, now=now) is current


def test_an_organisation_without_details_is_never_current(customer_org):
    assert not svc.supplier_details_are_current(customer_org)


def test_contacts_are_people_of_the_supplier_without_a_login(config_admin, supplier):
    first = svc.supplier_contact_add(
        actor=config_admin,
        organisation_id=supplier.pk,
        first_name="Ann",
        last_name="Smith",
        email="ann@dell.example",
        job_title="Account manager",
    )
    second = svc.supplier_contact_add(
        actor=config_admin, organisation_id=supplier.pk, first_name="Ann", last_name="Smith"
    )
    assert not first.has_usable_password()
    assert list(supplier.people.order_by("pk")) == [first, second]
    assert first.memberships.get().is_primary
    assert first.username == "dell-technologies.ann.smith"
    assert second.username == "dell-technologies.ann.smith.2"
    assert journal_of(supplier, field="contact").count() == 2


def test_a_contact_needs_a_name(config_admin, supplier):
    with pytest.raises(ValidationError) as caught:
        svc.supplier_contact_add(actor=config_admin, organisation_id=supplier.pk, email="x@y.z")
    assert "last_name" in caught.value.message_dict


def test_contact_update_changes_the_person_and_marks_leavers(config_admin, supplier):
    contact = svc.supplier_contact_add(
        actor=config_admin, organisation_id=supplier.pk, first_name="Bo", last_name="Lee"
    )
    svc.supplier_contact_update(
        actor=config_admin,
        organisation_id=supplier.pk,
        person_id=contact.pk,
        data={"phone": "555-1234", "is_active": False},
    )
    contact.refresh_from_db()
    assert contact.phone == "555-1234" and not contact.is_active


def test_contact_update_leaves_staff_and_strangers_to_the_directory(
    config_admin, supplier, provider, specialist
):
    # A member of staff who also belongs to the supplier (e.g. a former employee).
    specialist.organisations.add(supplier)
    stranger = make_person(username="stranger")
    for person, message in (
        (specialist, "change them in the directory"),
        (stranger, "not a contact"),
    ):
        with pytest.raises(ValidationError) as caught:
            svc.supplier_contact_update(
                actor=config_admin, organisation_id=supplier.pk, person_id=person.pk,
                data={"phone": "1"},
            )  # fmt: skip
        assert message in caught.value.message_dict["person"][0]


# --- API -------------------------------------------------------------------------------------


def test_api_lists_suppliers_with_their_contacts(api, config_admin, specialist, supplier):
    svc.supplier_contact_add(
        actor=config_admin, organisation_id=supplier.pk, first_name="Ann", last_name="Smith"
    )
    r = api.as_(specialist).get("/api/v1/suppliers/")
    assert r.status_code == 200
    [row] = r.json()["results"]
    assert row["name"] == "Dell Technologies"
    assert row["supplies"] == "Servers and laptops"
    assert row["contact_details_current"] is True
    assert [c["display_name"] for c in row["contacts"]] == ["Ann Smith"]


def test_api_registers_updates_and_confirms(api, config_admin):
    client = api.as_(config_admin)
    r = client.post(
        "/api/v1/suppliers/",
        {"name": "Lenovo", "email": "b2b@lenovo.example", "supplies": "Laptops"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["code"] == "lenovo"
    r = client.patch(f"/api/v1/suppliers/{pk}/", {"phone": "+1 555"}, format="json")
    assert r.status_code == 200 and r.json()["phone"] == "+1 555"
    r = client.post(
        f"/api/v1/suppliers/{pk}/contacts/",
        {"first_name": "Li", "last_name": "Wei", "email": "li@lenovo.example"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["display_name"] == "Li Wei"
    SupplierDetails.objects.filter(organisation_id=pk).update(contact_details_checked_at=None)
    r = client.post(f"/api/v1/suppliers/{pk}/confirm-contact-details/")
    assert r.status_code == 200 and r.json()["contact_details_current"] is True
    assert [c["display_name"] for c in r.json()["contacts"]] == ["Li Wei"]


def test_api_answers_bad_input_with_field_messages(api, config_admin, supplier):
    client = api.as_(config_admin)
    r = client.post("/api/v1/suppliers/", {"email": "nope"}, format="json")
    assert r.status_code == 400
    assert set(field_errors(r)) == {"name", "email"}
    r = client.post("/api/v1/suppliers/", {"name": "Dell Technologies"}, format="json")
    assert r.status_code == 400 and "name" in field_errors(r)
    r = client.post(f"/api/v1/suppliers/{supplier.pk}/contacts/", {}, format="json")
    assert r.status_code == 400 and "last_name" in field_errors(r)


def test_api_denials(api, specialist, requester, no_role_person, supplier, customer_org):
    r = api.as_(specialist).post("/api/v1/suppliers/", {"name": "HP"}, format="json")
    assert r.status_code == 403
    r = api.as_(specialist).post(f"/api/v1/suppliers/{supplier.pk}/confirm-contact-details/")
    assert r.status_code == 403
    r = api.as_(specialist).patch(f"/api/v1/suppliers/{supplier.pk}/", {"phone": "1"})
    assert r.status_code == 403
    # A customer organisation is not a supplier: not found here.
    assert api.as_(specialist).get(f"/api/v1/suppliers/{customer_org.pk}/").status_code == 404
    assert api.as_(requester).get("/api/v1/suppliers/").status_code == 403
    assert api.as_(no_role_person).get("/api/v1/suppliers/").status_code == 403
    assert not Organisation.objects.filter(name="HP").exists()


# --- Pages -----------------------------------------------------------------------------------


def test_supplier_pages_show_contacts_and_the_confirm_action(client, config_admin, supplier):
    svc.supplier_contact_add(
        actor=config_admin, organisation_id=supplier.pk, first_name="Ann", last_name="Smith"
    )
    client.force_login(config_admin)
    r = client.get("/suppliers/")
    assert r.status_code == 200 and "Dell Technologies" in r.content.decode()
    r = client.get(f"/suppliers/{supplier.pk}/")
    page = r.content.decode()
    assert r.status_code == 200
    assert "Ann Smith" in page and "Confirm contact details" in page and "Add contact" in page
    contract = contract_svc.contract_register(
        actor=config_admin, title="Laptop lease", kind="lease", supplier=supplier,
        starts_on=dt.date(2026, 1, 1),
    )  # fmt: skip
    page = client.get(f"/suppliers/{supplier.pk}/").content.decode()
    assert contract.number in page and "Laptop lease" in page


def test_a_reader_sees_the_supplier_without_the_actions(client, specialist, supplier):
    client.force_login(specialist)
    listing = client.get("/suppliers/").content.decode()
    # Contracts carry money: not even their count for a specialist.
    assert "Dell Technologies" in listing and "Contracts" not in listing
    page = client.get(f"/suppliers/{supplier.pk}/").content.decode()
    assert "Dell Technologies" in page and "Confirm contact details" not in page
    assert client.get("/suppliers/new/").status_code == 403
    r = client.post(f"/suppliers/{supplier.pk}/confirm/")
    assert r.status_code == 403


def test_supplier_list_filters_on_unconfirmed_details(client, config_admin, supplier):
    stale = svc.supplier_register(actor=config_admin, name="Old Vendor")
    SupplierDetails.objects.filter(organisation=stale).update(
        contact_details_checked_at=timezone.now() - dt.timedelta(days=400)
    )
    client.force_login(config_admin)
    page = client.get("/suppliers/?details_current=false").content.decode()
    assert "Old Vendor" in page and "Dell Technologies" not in page


def test_supplier_forms_show_errors_and_save(client, config_admin, supplier, customer_org):
    client.force_login(config_admin)
    r = client.post("/suppliers/new/", {"name": "", "email": "bad"})
    assert r.status_code == 400
    assert r.context["form"].errors.keys() >= {"name", "email"}
    r = client.post("/suppliers/new/", {"name": "Dell Technologies"})
    assert r.status_code == 400 and "name" in r.context["form"].errors
    r = client.post("/suppliers/new/", {"name": "Fujitsu", "supplies": "Storage"})
    fujitsu = Organisation.objects.get(name="Fujitsu")
    assert r.status_code == 302 and r["Location"] == f"/suppliers/{fujitsu.pk}/"

    r = client.post(
        f"/suppliers/{fujitsu.pk}/edit/",
        {"name": "Fujitsu", "code": "fujitsu", "email": "x@fujitsu.example", "is_active": "on",
         "confirm": "on"},
    )  # fmt: skip
    assert r.status_code == 302
    fujitsu.refresh_from_db()
    assert fujitsu.email == "x@fujitsu.example"
    # Not a supplier: not found.
    assert client.get(f"/suppliers/{customer_org.pk}/edit/").status_code == 404


def test_contact_forms_add_and_edit(client, config_admin, supplier):
    client.force_login(config_admin)
    url = f"/suppliers/{supplier.pk}/contacts/new/"
    r = client.post(url, {"email": "who@dell.example"})
    assert r.status_code == 400 and "last_name" in r.context["form"].errors
    r = client.post(url, {"first_name": "Kim", "last_name": "Ng", "email": "kim@dell.example"})
    assert r.status_code == 302
    kim = supplier.people.get(last_name="Ng")
    edit = f"/suppliers/{supplier.pk}/contacts/{kim.pk}/edit/"
    assert client.get(edit).status_code == 200
    r = client.post(edit, {"first_name": "Kim", "last_name": "Ng", "email": "bad"})
    assert r.status_code == 400
    r = client.post(edit, {"first_name": "Kim", "last_name": "Ng", "job_title": "Engineer"})
    assert r.status_code == 302
    kim.refresh_from_db()
    assert kim.job_title == "Engineer" and not kim.is_active  # the box was left clear


def test_confirm_button_records_the_check(client, config_admin, supplier):
    SupplierDetails.objects.filter(organisation=supplier).update(contact_details_checked_at=None)
    client.force_login(config_admin)
    r = client.post(f"/suppliers/{supplier.pk}/confirm/")
    assert r.status_code == 302
    assert SupplierDetails.objects.get(organisation=supplier).contact_details_checked_at


def test_a_supplier_made_in_the_directory_shows_as_to_check(client, config_admin):
    org = OrganisationFactory(kind="supplier", name="Cisco", code="cisco")
    client.force_login(config_admin)
    page = client.get(f"/suppliers/{org.pk}/").content.decode()
    assert "Cisco" in page and "Contact details to check" in page
    r = client.get("/api/v1/suppliers/", HTTP_ACCEPT="application/json")
    assert r.json()["results"][0]["contact_details_current"] is False
