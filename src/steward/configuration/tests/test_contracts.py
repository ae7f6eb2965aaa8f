"""Contract Administration (seed 003 ch. 4 procedure 5): contracts and licence certificates,
licence compliance, expiry and reminders; services, API and pages."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.configuration.models import Contract, Relationship
from steward.configuration.services import cis
from steward.configuration.services import contracts as svc
from steward.configuration.services import suppliers as supplier_svc
from steward.core import registry
from steward.core.errors import InvalidTransition
from steward.core.models import Notification
from steward.core.testing.journal import journal_of
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person, staff_fixture

TODAY = dt.date(2026, 3, 1)


financial_manager = staff_fixture("financial_manager", "financial_manager", "money")


@pytest.fixture
def supplier(config_admin):
    return supplier_svc.supplier_register(actor=config_admin, name="Microsoft", supplies="Licences")


@pytest.fixture
def software_class(config_admin):
    return cis.ci_class_create(
        actor=config_admin, name="Application", code="application", category="software"
    )


@pytest.fixture
def installed_on(config_admin):
    return cis.relationship_type_create(
        actor=config_admin, code="installed-on", name="installed on", reverse_name="has installed"
    )


@pytest.fixture
def office(config_admin, software_class):
    return cis.ci_create(actor=config_admin, ci_class=software_class, name="Office 365")


def _server(actor, server_class, name):
    return cis.ci_create(actor=actor, ci_class=server_class, name=name, attributes={"ram_gb": 8})


def _contract(actor, supplier, **kwargs):
    data = {
        "title": "Server maintenance",
        "kind": "maintenance",
        "supplier": supplier,
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
    }
    return svc.contract_register(actor=actor, **(data | kwargs))


def _certificate(actor, supplier, software, entitlement, **kwargs):
    return _contract(
        actor,
        supplier,
        title=f"{software.name} x{entitlement}",
        kind="licence_certificate",
        licensed_software=software,
        licence_metric="installation",
        entitlement=entitlement,
        **kwargs,
    )


# --- Registration and updates ----------------------------------------------------------------


def test_registering_a_contract_numbers_journals_and_links_cis(config_admin, supplier, server):
    db01 = _server(config_admin, server, "db01")
    contract = _contract(config_admin, supplier, cis=[db01.pk], owner=config_admin, value="1200.50")
    assert contract.number.startswith("CTR")
    assert contract.status == "active"
    assert list(contract.cis.all()) == [db01]
    assert journal_of(contract, kind="created").count() == 1


def test_a_contract_is_only_made_with_a_supplier(config_admin, customer_org):
    with pytest.raises(ValidationError) as caught:
        _contract(config_admin, customer_org)
    assert "is not a supplier" in caught.value.message_dict["supplier"][0]
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("kind", "licence", "errors"),
    [
        ("licence_certificate", {}, {"licensed_software", "licence_metric", "entitlement"}),
        ("licence_certificate", {"metric": "user", "entitlement": 10}, {"licensed_software"}),
        ("licence_certificate", {"software": True, "entitlement": 10}, {"licence_metric"}),
        ("licence_certificate", {"software": True, "metric": "user"}, {"entitlement"}),
        ("licence_certificate", {"software": True, "metric": "user", "entitlement": 10}, set()),
        ("support", {"software": True}, {"licensed_software"}),
        ("support", {"metric": "user", "entitlement": 3}, {"licence_metric", "entitlement"}),
        ("support", {}, set()),
    ],
)
def test_licence_fields_belong_to_licence_certificates(
    config_admin, supplier, office, kind, licence, errors
):
    fields = {
        "licensed_software": office if licence.get("software") else None,
        "licence_metric": licence.get("metric", ""),
        "entitlement": licence.get("entitlement"),
    }
    if errors:
        with pytest.raises(ValidationError) as caught:
            _contract(config_admin, supplier, kind=kind, **fields)
        assert set(caught.value.message_dict) == errors
    else:
        assert _contract(config_admin, supplier, kind=kind, **fields).pk


def test_a_licence_certificate_licenses_software_only(config_admin, supplier, server):
    db01 = _server(config_admin, server, "db01")
    with pytest.raises(ValidationError) as caught:
        _certificate(config_admin, supplier, db01, 5)
    assert caught.value.message_dict["licensed_software"] == ["CI000001 db01 is not software."]


def test_dates_and_currency_are_checked(config_admin, supplier):
    with pytest.raises(ValidationError) as caught:
        _contract(config_admin, supplier, ends_on=dt.date(2025, 12, 31), currency="E1")
    assert set(caught.value.message_dict) == {"ends_on", "currency"}


def test_only_administrators_register_contracts(financial_manager, specialist, supplier):
    for person in (financial_manager, specialist):
        with pytest.raises(PermissionDenied):
            _contract(person, supplier)


def test_update_journals_field_changes_and_nothing_when_nothing_changes(config_admin, supplier):
    contract = _contract(config_admin, supplier)
    svc.contract_update(
        actor=config_admin,
        contract_id=contract.pk,
        data={"ends_on": dt.date(2027, 6, 30), "title": "Server maintenance"},
    )
    entries = list(journal_of(contract, kind="field_change").values_list("field", "old_value",
                                                                        "new_value"))  # fmt: skip
    assert entries == [("ends_on", "2026-12-31", "2027-06-30")]
    svc.contract_update(actor=config_admin, contract_id=contract.pk, data={"title": contract.title})
    assert journal_of(contract, kind="field_change").count() == 1


def test_update_checks_the_same_rules(config_admin, supplier, customer_org):
    contract = _contract(config_admin, supplier)
    with pytest.raises(ValidationError) as caught:
        svc.contract_update(
            actor=config_admin, contract_id=contract.pk, data={"supplier": customer_org}
        )
    assert "supplier" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        svc.contract_update(actor=config_admin, contract_id=contract.pk, data={"status": "x"})
    assert "status" in caught.value.message_dict
    contract.refresh_from_db()
    assert contract.supplier == supplier


# --- Status ----------------------------------------------------------------------------------


def test_terminating_follows_the_workflow_and_freezes_the_contract(config_admin, supplier):
    contract = _contract(config_admin, supplier)
    svc.contract_terminate(actor=config_admin, contract_id=contract.pk, reason="Vendor left")
    contract.refresh_from_db()
    assert contract.status == "terminated"
    entry = journal_of(contract, kind="transition").get()
    assert (entry.old_value, entry.new_value) == ("active", "terminated")
    # The reason is staff text: an internal note beside the status change.
    assert journal_of(contract, kind="work_note").get().body == "Vendor left"
    with pytest.raises(InvalidTransition):
        svc.contract_terminate(actor=config_admin, contract_id=contract.pk)
    with pytest.raises(ValidationError):
        svc.contract_update(actor=config_admin, contract_id=contract.pk, data={"title": "x"})


def test_a_draft_is_activated_and_an_expired_contract_renewed_after_moving_its_end(
    config_admin, supplier
):
    draft = _contract(config_admin, supplier, status="draft", ends_on=None)
    svc.contract_activate(actor=config_admin, contract_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == "active"

    past = timezone.localdate() - dt.timedelta(days=10)
    old = _contract(config_admin, supplier, starts_on=past - dt.timedelta(days=300), ends_on=past)
    assert svc.contracts_expire_due() == 1
    with pytest.raises(ValidationError) as caught:
        svc.contract_activate(actor=config_admin, contract_id=old.pk)
    assert "ends_on" in caught.value.message_dict
    svc.contract_update(
        actor=config_admin,
        contract_id=old.pk,
        data={"ends_on": timezone.localdate() + dt.timedelta(days=365)},
    )
    svc.contract_activate(actor=config_admin, contract_id=old.pk)
    old.refresh_from_db()
    assert old.status == "active"


def test_a_new_contract_is_a_draft_or_active(config_admin, supplier):
    with pytest.raises(ValidationError) as caught:
        _contract(config_admin, supplier, status="expired")
    assert "status" in caught.value.message_dict


def test_linking_and_unlinking_cis_is_journalled(config_admin, supplier, server):
    db01, db02 = _server(config_admin, server, "db01"), _server(config_admin, server, "db02")
    contract = _contract(config_admin, supplier, cis=[db01.pk])
    svc.contract_link_cis(actor=config_admin, contract_id=contract.pk, ci_ids=[db01.pk, db02.pk])
    assert set(contract.cis.all()) == {db01, db02}
    svc.contract_unlink_cis(actor=config_admin, contract_id=contract.pk, ci_ids=[db01.pk])
    assert list(contract.cis.all()) == [db02]
    changes = list(
        journal_of(contract, field="cis").values_list("old_value", "new_value").order_by("pk")
    )
    assert changes == [("", db02.number), (db01.number, "")]
    with pytest.raises(ValidationError) as caught:
        svc.contract_link_cis(actor=config_admin, contract_id=contract.pk, ci_ids=[99999])
    assert "cis" in caught.value.message_dict


# --- Licence compliance ----------------------------------------------------------------------

# Each certificate: (entitlement, status, starts_on offset days, ends_on offset days or None).
VALID = ("active", -30, 300)


@pytest.mark.parametrize(
    ("certificates", "installs", "ended_installs", "entitled", "installed", "status"),
    [
        pytest.param([(2, *VALID)], 2, 0, 2, 2, "compliant", id="compliant"),
        pytest.param([(1, *VALID)], 3, 0, 1, 3, "under_licensed", id="under-licensed"),
        pytest.param([(5, *VALID)], 2, 0, 5, 2, "over_licensed", id="over-licensed"),
        pytest.param([(2, *VALID), (3, *VALID)], 5, 0, 5, 5, "compliant", id="summed"),
        pytest.param(
            [(2, *VALID), (3, "expired", -400, -30)], 2, 0, 2, 2, "compliant",
            id="expired-certificate-not-counted",
        ),
        pytest.param(
            [(2, *VALID), (3, "active", -400, -1)], 2, 0, 2, 2, "compliant",
            id="certificate-past-its-end-not-counted",
        ),
        pytest.param(
            [(2, *VALID), (3, "draft", -30, 300)], 2, 0, 2, 2, "compliant",
            id="draft-certificate-not-counted",
        ),
        pytest.param(
            [(2, *VALID), (3, "active", 10, 300)], 2, 0, 2, 2, "compliant",
            id="certificate-not-yet-started-not-counted",
        ),
        pytest.param(
            [(2, *VALID), (3, "terminated", -30, 300)], 3, 0, 2, 3, "under_licensed",
            id="terminated-certificate-not-counted",
        ),
        pytest.param([(1, *VALID)], 1, 2, 1, 1, "compliant", id="ended-relationship-not-counted"),
        pytest.param(
            [(4, "expired", -400, -30)], 1, 0, 0, 1, "under_licensed", id="nothing-valid-left"
        ),
    ],
)  # fmt: skip
def test_licence_compliance(
    config_admin, supplier, office, server, installed_on, runs_on,
    certificates, installs, ended_installs, entitled, installed, status,
):  # fmt: skip
    today = timezone.localdate()
    for entitlement, state, start, end in certificates:
        certificate = _certificate(
            config_admin, supplier, office, entitlement,
            status="draft" if state == "draft" else "active",
            starts_on=today + dt.timedelta(days=start),
            ends_on=today + dt.timedelta(days=end) if end is not None else None,
        )  # fmt: skip
        if state in ("expired", "terminated"):
            Contract.objects.filter(pk=certificate.pk).update(status=state)
    for i in range(installs + ended_installs):
        host = _server(config_admin, server, f"host{i}")
        link = cis.relationship_add(
            actor=config_admin, source_id=office.pk, target_id=host.pk, type_id=installed_on.pk
        )
        if i >= installs:
            cis.relationship_end(actor=config_admin, relationship_id=link.pk)
        # Other kinds of link never count as installations.
        cis.relationship_add(
            actor=config_admin, source_id=office.pk, target_id=host.pk, type_id=runs_on.pk
        )
    assert Relationship.objects.filter(source=office).count() == 2 * (installs + ended_installs)

    [row] = svc.licence_compliance(actor=config_admin)
    assert (row.software, row.entitled, row.installed, row.status) == (
        office, entitled, installed, status,
    )  # fmt: skip
    assert row.difference == entitled - installed


def test_licence_compliance_is_for_contract_readers_only(
    config_admin, specialist, supplier, office
):
    _certificate(config_admin, supplier, office, 1)
    assert svc.licence_compliance(actor=specialist) == []
    assert len(svc.licence_compliance(actor=config_admin)) == 1


# --- Expiry and reminders ----------------------------------------------------------------------


def test_contracts_past_their_end_expire_once(config_admin, supplier):
    ended = _contract(config_admin, supplier, ends_on=TODAY - dt.timedelta(days=1))
    ends_today = _contract(config_admin, supplier, ends_on=TODAY)
    open_ended = _contract(config_admin, supplier, ends_on=None)
    draft = _contract(config_admin, supplier, status="draft", ends_on=TODAY - dt.timedelta(days=5))
    assert svc.contracts_expire_due(TODAY) == 1
    assert svc.contracts_expire_due(TODAY) == 0
    statuses = dict(Contract.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: "expired", ends_today.pk: "active", open_ended.pk: "active", draft.pk: "draft",
    }  # fmt: skip
    entry = journal_of(ended, kind="transition").get()
    assert entry.actor is None and entry.new_value == "expired"


@pytest.mark.parametrize(
    ("ends_in_days", "remind_days_before", "status", "reminded"),
    [
        (30, 60, "active", True),
        (60, 60, "active", True),  # the first day of the period
        (61, 60, "active", False),  # not yet
        (0, 60, "active", True),  # ends today
        (0, 0, "active", True),
        (-1, 60, "active", False),  # already ended: expiry, not a reminder
        (None, 60, "active", False),  # open-ended
        (30, 60, "draft", False),
        (30, 60, "terminated", False),
    ],
)
def test_expiry_reminder_window(config_admin, supplier, ends_in_days, remind_days_before, status,
                                reminded):  # fmt: skip
    owner = make_person("financial_manager", username="owner")
    ends_on = TODAY + dt.timedelta(days=ends_in_days) if ends_in_days is not None else None
    contract = _contract(
        config_admin, supplier, owner=owner, ends_on=ends_on, remind_days_before=remind_days_before,
        starts_on=dt.date(2025, 1, 1), status="draft" if status == "draft" else "active",
    )  # fmt: skip
    if status == "terminated":
        svc.contract_terminate(actor=config_admin, contract_id=contract.pk)
    assert svc.contract_expiry_reminders(TODAY) == int(reminded)
    assert Notification.objects.filter(recipient=owner).count() == int(reminded)


def test_a_reminder_goes_out_once_per_end_date(
    config_admin, supplier, django_capture_on_commit_callbacks
):
    owner = make_person("financial_manager", username="owner", email="owner@example.com")
    contract = _contract(
        config_admin, supplier, owner=owner, notice_days=30,
        ends_on=TODAY + dt.timedelta(days=45), remind_days_before=60,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.contract_expiry_reminders(TODAY) == 1
    note = Notification.objects.get(recipient=owner)
    assert note.title == f"{contract.number} Server maintenance ends on 2026-04-15"
    assert "by 2026-03-16" in note.body  # the notice date
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    contract.refresh_from_db()
    assert contract.reminded_for_end == dt.date(2026, 4, 15)
    assert journal_of(contract, kind="system").count() == 1

    assert svc.contract_expiry_reminders(TODAY) == 0
    assert svc.contract_expiry_reminders(TODAY + dt.timedelta(days=1)) == 0
    assert Notification.objects.filter(recipient=owner).count() == 1

    # Extended: the new end date is reminded again when its time comes.
    svc.contract_update(
        actor=config_admin, contract_id=contract.pk, data={"ends_on": dt.date(2026, 4, 30)}
    )
    assert svc.contract_expiry_reminders(TODAY) == 1
    assert Notification.objects.filter(recipient=owner).count() == 2


def test_without_an_owner_the_configuration_administrators_are_reminded(config_admin, supplier):
    second_admin = make_person("configuration_administrator", username="cfg2")
    make_person("configuration_administrator", username="gone", is_active=False)
    _contract(config_admin, supplier, ends_on=TODAY + dt.timedelta(days=5))
    assert svc.contract_expiry_reminders(TODAY) == 1
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {config_admin.username, second_admin.username}


# --- API ---------------------------------------------------------------------------------------


def test_api_registers_and_reads_contracts(api, config_admin, financial_manager, supplier, office):
    r = api.as_(config_admin).post(
        "/api/v1/contracts/",
        {"title": "Office licences", "kind": "licence_certificate", "supplier": supplier.pk,
         "starts_on": "2026-01-01", "ends_on": "2026-12-31", "licensed_software": office.pk,
         "licence_metric": "user", "entitlement": 25, "supplier_reference": "MS-123",
         "value": "1500.00", "cis": [office.pk]},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["number"].startswith("CTR") and body["status"] == "active"
    assert body["cis"] == [office.pk] and body["supplier_name"] == "Microsoft"
    r = api.as_(financial_manager).get("/api/v1/contracts/?kind=licence_certificate")
    assert [c["title"] for c in r.json()["results"]] == ["Office licences"]
    r = api.as_(financial_manager).get("/api/v1/contracts/licence-compliance/")
    assert r.status_code == 200
    assert r.json() == [
        {"software": office.pk, "software_number": office.number, "software_name": "Office 365",
         "entitled": 25, "installed": 0, "difference": 25, "status": "over_licensed",
         "certificates": [{"id": body["id"], "number": body["number"], "entitlement": 25,
                           "licence_metric": "user", "ends_on": "2026-12-31"}]},
    ]  # fmt: skip


def test_api_updates_and_changes_status(api, config_admin, supplier, server):
    db01 = _server(config_admin, server, "db01")
    contract = _contract(config_admin, supplier)
    client = api.as_(config_admin)
    r = client.patch(
        f"/api/v1/contracts/{contract.pk}/", {"notice_days": 90, "owner": config_admin.pk},
        format="json",
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["notice_days"] == 90
    r = client.post(f"/api/v1/contracts/{contract.pk}/link-cis/", {"cis": [db01.pk]}, format="json")
    assert r.status_code == 200 and r.json()["cis"] == [db01.pk]
    r = client.post(f"/api/v1/contracts/{contract.pk}/unlink-cis/", {"cis": [db01.pk]},
                    format="json")  # fmt: skip
    assert r.json()["cis"] == []
    r = client.post(f"/api/v1/contracts/{contract.pk}/terminate/", {"reason": "x"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "terminated"
    r = client.post(f"/api/v1/contracts/{contract.pk}/terminate/", {}, format="json")
    assert r.status_code == 409


def test_api_answers_bad_input_with_field_messages(api, config_admin, supplier, customer_org):
    client = api.as_(config_admin)
    r = client.post("/api/v1/contracts/", {"kind": "nonsense"}, format="json")
    assert r.status_code == 400
    assert {"title", "kind", "supplier", "starts_on"} <= set(field_errors(r))
    base = {"title": "T", "starts_on": "2026-01-01"}
    r = client.post(
        "/api/v1/contracts/", base | {"kind": "support", "supplier": customer_org.pk}, format="json"
    )
    assert r.status_code == 400 and "supplier" in field_errors(r)
    r = client.post(
        "/api/v1/contracts/", base | {"kind": "licence_certificate", "supplier": supplier.pk},
        format="json",
    )  # fmt: skip
    assert r.status_code == 400
    assert set(field_errors(r)) == {"licensed_software", "licence_metric", "entitlement"}
    contract = _contract(config_admin, supplier)
    r = client.patch(f"/api/v1/contracts/{contract.pk}/", {"ends_on": "2025-01-01"}, format="json")
    assert r.status_code == 400 and "ends_on" in field_errors(r)


def test_api_denials(api, config_admin, financial_manager, specialist, requester, supplier):
    contract = _contract(config_admin, supplier)
    # Contracts carry money: a specialist sees suppliers but not contracts.
    assert api.as_(specialist).get("/api/v1/contracts/").status_code == 403
    assert api.as_(specialist).get("/api/v1/contracts/licence-compliance/").status_code == 403
    assert api.as_(requester).get(f"/api/v1/contracts/{contract.pk}/").status_code == 403
    reader = api.as_(financial_manager)
    assert reader.get("/api/v1/contracts/999999/").status_code == 404
    payload = {"title": "x", "kind": "support", "supplier": supplier.pk, "starts_on": "2026-01-01"}
    assert reader.post("/api/v1/contracts/", payload, format="json").status_code == 403
    r = reader.patch(f"/api/v1/contracts/{contract.pk}/", {"title": "y"}, format="json")
    assert r.status_code == 403
    assert reader.post(f"/api/v1/contracts/{contract.pk}/terminate/").status_code == 403
    contract.refresh_from_db()
    assert (contract.title, contract.status) == ("Server maintenance", "active")
    assert Contract.objects.count() == 1


# --- Pages -------------------------------------------------------------------------------------


def test_contract_list_filters(client, config_admin, supplier, office):
    soon = _contract(config_admin, supplier, title="Ends soon",
                     ends_on=timezone.localdate() + dt.timedelta(days=20))  # fmt: skip
    _contract(config_admin, supplier, title="Ends later",
              ends_on=timezone.localdate() + dt.timedelta(days=200))  # fmt: skip
    _certificate(config_admin, supplier, office, 5)
    client.force_login(config_admin)
    url = reverse("configuration:contract-list")
    page = client.get(url + "?expiring_within=30").content.decode()
    assert soon.number in page and "Ends later" not in page
    page = client.get(url + "?kind=licence_certificate").content.decode()
    assert "Office 365 x5" in page and "Ends soon" not in page
    page = client.get(url + f"?supplier={supplier.pk}&status=active").content.decode()
    assert "Ends soon" in page and "Ends later" in page
    assert client.get(url + "?expiring_within=abc").status_code == 200


def test_contract_page_shows_cis_licence_position_and_actions(client, config_admin, supplier,
                                                              office, server):  # fmt: skip
    db01 = _server(config_admin, server, "db01")
    certificate = _certificate(config_admin, supplier, office, 3, cis=[db01.pk],
                               supplier_reference="LIC-778")  # fmt: skip
    client.force_login(config_admin)
    page = client.get(certificate.get_absolute_url()).content.decode()
    assert "db01" in page and "LIC-778" in page
    assert "Licence position of Office 365" in page and "Over-licensed" in page
    assert "Terminate" in page and "Add CIs" in page


def test_a_money_reader_sees_the_contract_without_actions(client, config_admin, financial_manager,
                                                          specialist, supplier):  # fmt: skip
    contract = _contract(config_admin, supplier)
    client.force_login(financial_manager)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Server maintenance" in page and "Terminate" not in page and "Add CIs" not in page
    assert client.get(reverse("configuration:contract-create")).status_code == 403
    client.force_login(specialist)
    assert client.get(contract.get_absolute_url()).status_code == 403
    assert client.get(reverse("configuration:licence-compliance")).status_code == 403


def test_contract_form_shows_errors_next_to_the_fields(client, config_admin, supplier):
    client.force_login(config_admin)
    url = reverse("configuration:contract-create")
    r = client.get(url + f"?supplier={supplier.pk}")
    assert r.status_code == 200 and r.context["form"].initial["supplier"] == supplier.pk
    form = {"title": "Office", "kind": "licence_certificate", "status": "active",
            "supplier": supplier.pk, "starts_on": "2026-01-01", "notice_days": 0,
            "remind_days_before": 60, "currency": "EUR"}  # fmt: skip
    r = client.post(url, form)
    assert r.status_code == 400
    assert {"licensed_software", "licence_metric", "entitlement"} <= set(r.context["form"].errors)
    r = client.post(url, form | {"kind": "support", "ends_on": "2025-01-01"})
    assert r.status_code == 400 and "ends_on" in r.context["form"].errors
    r = client.post(url, form | {"kind": "support"})
    contract = Contract.objects.get()
    assert r.status_code == 302 and r["Location"] == contract.get_absolute_url()


def test_contract_edit_terminate_and_renew_pages(client, config_admin, supplier):
    contract = _contract(config_admin, supplier, status="draft")
    client.force_login(config_admin)
    edit = reverse("configuration:contract-edit", args=[contract.pk])
    r = client.get(edit)
    assert r.status_code == 200 and r.context["form"].initial["supplier"] == supplier.pk
    data = {"title": "Renamed", "kind": "maintenance", "supplier": supplier.pk,
            "starts_on": "2026-01-01", "ends_on": "2026-12-31", "notice_days": 10,
            "remind_days_before": 30, "currency": "usd"}  # fmt: skip
    assert client.post(edit, data | {"currency": "US"}).status_code == 400
    assert client.post(edit, data).status_code == 302
    contract.refresh_from_db()
    assert (contract.title, contract.currency, contract.remind_days_before) == (
        "Renamed",
        "USD",
        30,
    )
    r = client.post(reverse("configuration:contract-activate", args=[contract.pk]))
    assert r.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "active"
    terminate = reverse("configuration:contract-terminate", args=[contract.pk])
    assert client.post(terminate, {"reason": "Cheaper elsewhere"}).status_code == 302
    contract.refresh_from_db()
    assert contract.status == "terminated"
    # Terminated twice: a conflict page, not an error.
    assert client.post(terminate, {"reason": "again"}).status_code == 409


def test_cis_are_linked_by_number_and_removed(client, config_admin, supplier, server):
    db01 = _server(config_admin, server, "db01")
    contract = _contract(config_admin, supplier)
    client.force_login(config_admin)
    url = reverse("configuration:contract-link-cis", args=[contract.pk])
    r = client.post(url, {"numbers": f"{db01.number}, CI999999"})
    assert r.status_code == 400 and "CI999999" in str(r.context["ci_form"].errors)
    assert client.post(url, {"numbers": db01.number.lower()}).status_code == 302
    assert list(contract.cis.all()) == [db01]
    r = client.post(reverse("configuration:contract-unlink-ci", args=[contract.pk, db01.pk]))
    assert r.status_code == 302 and not contract.cis.exists()


def test_licence_compliance_page(client, config_admin, supplier, office, server, installed_on):
    _certificate(config_admin, supplier, office, 1)
    for name in ("pc1", "pc2"):
        host = _server(config_admin, server, name)
        cis.relationship_add(
            actor=config_admin, source_id=office.pk, target_id=host.pk, type_id=installed_on.pk
        )
    client.force_login(config_admin)
    url = reverse("configuration:licence-compliance")
    page = client.get(url).content.decode()
    assert "Office 365" in page and "Under-licensed" in page and "-1" in page
    page = client.get(url + "?status=compliant").content.decode()
    assert "No software in this position." in page


def test_owners_see_their_contracts_ending_soon_and_search_finds_contracts(
    client, config_admin, supplier
):
    soon = _contract(config_admin, supplier, owner=config_admin, title="Firewall support",
                     ends_on=timezone.localdate() + dt.timedelta(days=10))  # fmt: skip
    _contract(config_admin, supplier, owner=config_admin, title="Far away",
              ends_on=timezone.localdate() + dt.timedelta(days=300))  # fmt: skip
    sections = [s for p in registry.WORK_PROVIDERS for s in p(config_admin)]
    [section] = [s for s in sections if s.title == "Contracts ending soon"]
    assert [row["number"] for row in section.rows] == [soon.number]
    other = make_person("configuration_administrator", username="other-admin")
    assert not [s for p in registry.WORK_PROVIDERS for s in p(other)
                if s.title == "Contracts ending soon"]  # fmt: skip
    hits = [h for p in registry.SEARCH_PROVIDERS for h in p(config_admin, "firewall")]
    assert [(h.kind, h.number) for h in hits] == [("Contracts", soon.number)]
    specialist = make_person("specialist", username="s2")
    assert not [h for p in registry.SEARCH_PROVIDERS for h in p(specialist, "firewall")
                if h.kind == "Contracts"]  # fmt: skip
