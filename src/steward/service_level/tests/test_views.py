"""Service Level Management pages: who may open what, what customers see in the catalog,
forms showing errors next to fields, actions through the pages, and query-count guards."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.core.testing.exports import assert_formulas_defused
from steward.core.tests.factories import (
    FORMULA_CELLS,
    BusinessCalendarFactory,
    OrganisationFactory,
    make_person,
)
from steward.service_level.choices import AgreementStatus, CatalogItemStatus
from steward.service_level.models import Agreement, CatalogItem, Outage
from steward.service_level.services import agreements as agreement_svc
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.services import services as service_svc

pytestmark = pytest.mark.django_db

TARGETS = [
    {"kind": "resolution", "priority": "1", "seconds": 4 * 3600},
    {"kind": "response", "priority": "1", "seconds": 30 * 60},
    {"kind": "availability", "percent": "99.9"},
]


class World:
    """A provider with an email service and a catalog of five items in every state."""

    def __init__(self, provider, acme, globex):
        self.provider, self.acme, self.globex = provider, acme, globex
        self.admin = make_person(
            "service_level_administrator", organisation=provider, username="sladmin"
        )
        self.owner = make_person(organisation=provider, username="owner", first_name="Olga")
        self.slm = make_person("service_level_manager", organisation=provider, username="slm")
        self.finance = make_person("financial_manager", organisation=provider, username="fin")
        self.calendar = BusinessCalendarFactory(name="Office hours")
        self.service = service_svc.service_create(
            actor=self.admin,
            name="Email",
            owner=self.owner,
            provider=provider,
            service_hours=self.calendar,
            customers=[acme, globex],
        )
        from steward.core.tests.factories import give_role

        give_role(self.owner, "service_owner", self.service)
        give_role(
            make_person(organisation=provider, username="chg", first_name="Chris"),
            "change_coordinator",
            self.service,
        )
        self.public = self.published("Mailbox Standard", category="Communication")
        self.acme_private = self.published("Acme archive", customer=acme)
        self.globex_private = self.published("Globex journaling", customer=globex)
        self.draft = catalog_svc.catalog_item_create(
            actor=self.admin, service=self.service, name="Mailbox Premium", targets=TARGETS
        )
        self.old = self.published("Old mailbox")
        catalog_svc.catalog_item_discontinue(actor=self.admin, item_id=self.old.pk, reason="Old")
        self.requester = make_person("requester", organisation=acme, username="ann")
        self.acme_rep = make_person("customer_representative", organisation=acme, scope=acme)
        self.globex_person = make_person("requester", organisation=globex, username="gus")

    def published(self, name, customer=None, category="Mail") -> CatalogItem:
        item = catalog_svc.catalog_item_create(
            actor=self.admin,
            service=self.service,
            name=name,
            visibility="private" if customer else "public",
            customer=customer,
            category=category,
            summary=f"{name} for everyone who mails",
            charge="4.50",
            charge_unit="per mailbox per month",
            request_instructions="Ask the service desk.",
            targets=TARGETS,
        )
        self.approve(item)
        return catalog_svc.catalog_item_publish(actor=self.admin, item_id=item.pk)

    def approve(self, item) -> None:
        catalog_svc.catalog_item_submit(actor=self.admin, item_id=item.pk)
        for person in (self.owner, self.slm, self.finance):
            # The manager signs only for items prepared for a customer.
            if item.approvals.filter(approver=person, decision="pending").exists():
                catalog_svc.catalog_item_decide(actor=person, item_id=item.pk, decision="approved")

    def sla(self, customer=None) -> Agreement:
        return agreement_svc.agreement_create(
            actor=self.admin,
            kind="sla",
            service=self.service,
            name="Email for Acme",
            customer=customer or self.acme,
            catalog_item=self.public,
            term_start=dt.date(2025, 1, 1),
        )


@pytest.fixture
def world(provider, customer_org, other_customer_org):
    return World(provider, customer_org, other_customer_org)


def get(client, person, url, **params):
    client.force_login(person)
    return client.get(url, params)


def test_service_list_csv_defuses_formulas(client, world):
    names = [
        service_svc.service_create(
            actor=world.admin, name=f"{formula} {n}", owner=world.owner, provider=world.provider
        ).name
        for n, formula in enumerate(FORMULA_CELLS)
    ]

    export = get(client, world.admin, reverse("service_level:service-list"), format="csv")

    assert_formulas_defused(export, names)


# --- The web catalog: customers see public items and their own private items -----------------


def test_customer_sees_public_and_own_private_items_only(client, world):
    response = get(client, world.requester, reverse("service_level:catalog"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mailbox Standard" in text
    assert "Acme archive" in text
    assert "Only for Acme Bank" in text
    assert "Globex journaling" not in text
    assert "Mailbox Premium" not in text  # a draft
    assert "Old mailbox" not in text  # discontinued
    assert "Critical incidents resolved within 4 business hours" in text


def test_other_customer_sees_their_private_item_not_acmes(client, world):
    text = get(client, world.globex_person, reverse("service_level:catalog")).content.decode()
    assert "Globex journaling" in text
    assert "Acme archive" not in text


@pytest.mark.parametrize("which", ["globex_private", "draft", "old"])
def test_customer_gets_404_on_items_not_for_them(client, world, which):
    item = getattr(world, which)
    url = reverse("service_level:catalog-entry", args=[item.pk])
    assert get(client, world.requester, url).status_code == 404


def test_catalog_item_page_reads_in_plain_words(client, world):
    url = reverse("service_level:catalog-entry", args=[world.acme_private.pk])
    response = get(client, world.requester, url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Critical incidents resolved within 4 business hours" in text
    assert "Critical incidents responded to within 30 business minutes" in text
    assert "Available 99.9 % of the service hours" in text
    assert "4.50 per mailbox per month" in text
    assert "Ask the service desk." in text
    assert "Mon\u2013Fri 08:00\u201317:00" in text
    assert "Open the record" not in text  # customers do not see the working record


def test_catalog_search_and_category(client, world):
    url = reverse("service_level:catalog")
    text = get(client, world.requester, url, q="archive").content.decode()
    assert "Acme archive" in text and "Mailbox Standard" not in text
    text = get(client, world.requester, url, category="Communication").content.decode()
    assert "Mailbox Standard" in text and "Acme archive" not in text
    partial = client.get(url, {"q": "zzz"}, HTTP_HX_REQUEST="true")
    assert "Nothing matches" in partial.content.decode()
    assert "<html" not in partial.content.decode()


def test_catalog_denials(client, world, no_role_person):
    url = reverse("service_level:catalog")
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert get(client, no_role_person, url).status_code == 403


def test_customer_cannot_open_the_working_records(client, world):
    for url in (
        reverse("service_level:catalog-item-list"),
        reverse("service_level:catalog-item-detail", args=[world.acme_private.pk]),
        reverse("service_level:catalog-item-create"),
    ):
        assert get(client, world.requester, url).status_code == 403, url


# --- The administrator's catalog items and the approval panel --------------------------------


def test_admin_list_shows_every_item_with_status(client, world):
    response = get(client, world.admin, reverse("service_level:catalog-item-list"))
    text = response.content.decode()
    for name in ("Mailbox Premium", "Old mailbox", "Globex journaling", "Acme archive"):
        assert name in text
    filtered = get(
        client, world.admin, reverse("service_level:catalog-item-list"), status="draft"
    ).content.decode()
    assert "Mailbox Premium" in filtered and "Old mailbox" not in filtered


def test_draft_offers_submit_and_approver_decides_on_the_page(client, world):
    url = reverse("service_level:catalog-item-detail", args=[world.draft.pk])
    text = get(client, world.admin, url).content.decode()
    assert "Submit for approval" in text and ">Publish</button>" not in text

    client.post(reverse("service_level:catalog-item-submit", args=[world.draft.pk]))
    world.draft.refresh_from_db()
    assert world.draft.status == CatalogItemStatus.IN_APPROVAL

    # The administrator is not an approver: no decision buttons.
    assert "Your decision is needed" not in get(client, world.admin, url).content.decode()
    text = get(client, world.owner, url).content.decode()
    assert "Your decision is needed" in text and "Submit for approval" not in text

    # Asking for adjustments needs a comment: the error shows next to the field.
    response = client.post(
        reverse("service_level:catalog-item-decide", args=[world.draft.pk]),
        {"decision": "adjust", "comment": ""},
    )
    assert response.status_code == 400
    assert "Say what must change" in response.content.decode()
    world.draft.refresh_from_db()
    assert world.draft.status == CatalogItemStatus.IN_APPROVAL

    client.post(
        reverse("service_level:catalog-item-decide", args=[world.draft.pk]),
        {"decision": "approved", "comment": ""},
    )
    client.force_login(world.finance)
    client.post(
        reverse("service_level:catalog-item-decide", args=[world.draft.pk]),
        {"decision": "approved"},
    )
    world.draft.refresh_from_db()
    assert world.draft.status == CatalogItemStatus.APPROVED
    assert ">Publish</button>" in get(client, world.admin, url).content.decode()


def test_non_approver_cannot_decide(client, world, analyst):
    catalog_svc.catalog_item_submit(actor=world.admin, item_id=world.draft.pk)
    url = reverse("service_level:catalog-item-decide", args=[world.draft.pk])
    client.force_login(world.slm)  # holds the permission, but is not in this round
    assert client.post(url, {"decision": "approved"}).status_code == 403
    client.force_login(analyst)
    assert client.post(url, {"decision": "approved"}).status_code == 403
    world.draft.refresh_from_db()
    assert world.draft.status == CatalogItemStatus.IN_APPROVAL


def test_item_form_shows_field_errors_and_writes_nothing(client, world):
    client.force_login(world.admin)
    before = CatalogItem.objects.count()
    response = client.post(
        reverse("service_level:catalog-item-create"),
        {"service": world.service.pk, "name": "One-off", "visibility": "private"},
    )
    assert response.status_code == 400
    assert "A private item is for one customer" in response.content.decode()
    assert CatalogItem.objects.count() == before


def test_item_created_from_a_copy_and_failed_with_reason(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("service_level:catalog-item-create"),
        {
            "service": world.service.pk,
            "name": "Mailbox Plus",
            "visibility": "public",
            "copy_of": world.public.pk,
        },
    )
    assert response.status_code == 302
    item = CatalogItem.objects.get(name="Mailbox Plus")
    assert item.copied_from == world.public and item.targets.count() == len(TARGETS)
    fail = reverse("service_level:catalog-item-fail", args=[item.pk])
    assert client.post(fail, {"reason": ""}).status_code == 400
    client.post(fail, {"reason": "The approvers could not agree on the charge."})
    item.refresh_from_db()
    assert item.status == CatalogItemStatus.FAILED
    assert "could not agree" in get(client, world.admin, item.get_absolute_url()).content.decode()


def test_discontinue_takes_item_out_of_the_catalog(client, world):
    client.force_login(world.admin)
    client.post(
        reverse("service_level:catalog-item-discontinue", args=[world.public.pk]), {"reason": ""}
    )
    text = get(client, world.requester, reverse("service_level:catalog")).content.decode()
    assert "Mailbox Standard" not in text
    # Still on record for the provider.
    assert get(client, world.admin, world.public.get_absolute_url()).status_code == 200


def test_target_added_and_removed_on_a_draft(client, world):
    client.force_login(world.admin)
    url = reverse("service_level:catalog-item-target-add", args=[world.draft.pk])
    response = client.post(url, {"kind": "resolution", "priority": "2", "warning_percent": 75})
    assert response.status_code == 400 and "Give the time in hours" in response.content.decode()
    client.post(url, {"kind": "resolution", "priority": "2", "hours": "8", "warning_percent": 75})
    target = world.draft.targets.get(priority="2")
    assert target.target_seconds == 8 * 3600
    client.post(reverse("service_level:target-remove", args=[target.pk]))
    assert not world.draft.targets.filter(priority="2").exists()


def test_target_added_to_a_draft_agreement_and_refused_for_others(client, world):
    sla = world.sla()
    url = reverse("service_level:agreement-target-add", args=[sla.pk])
    before = sla.targets.count()
    client.force_login(world.admin)
    # An availability target without its percentage: a form error, nothing written.
    response = client.post(url, {"kind": "availability", "warning_percent": 75})
    assert response.status_code == 400
    assert sla.targets.count() == before
    client.post(url, {"kind": "resolution", "priority": "4", "hours": "80", "warning_percent": 75})
    assert sla.targets.count() == before + 1
    assert sla.targets.filter(priority="4", target_seconds=80 * 3600).exists()
    # The customer representative may read the agreement but not change its targets.
    client.force_login(world.acme_rep)
    assert (
        client.post(url, {"kind": "resolution", "priority": "4", "hours": "1"}).status_code == 403
    )
    assert sla.targets.count() == before + 1


# --- Services -------------------------------------------------------------------------------


def test_service_page_shows_role_holders_and_related(client, world):
    response = get(client, world.admin, world.service.get_absolute_url())
    text = response.content.decode()
    assert response.status_code == 200
    assert "Change coordinator" in text and "Chris" in text
    assert "Mailbox Standard" in text
    assert "Mon\u2013Fri 08:00\u201317:00" in text


def test_customer_sees_only_subscribed_services(client, world, provider):
    other = service_svc.service_create(
        actor=world.admin, name="Payroll", provider=provider, owner=world.owner
    )
    text = get(client, world.requester, reverse("service_level:service-list")).content.decode()
    assert "Email" in text and "Payroll" not in text
    assert get(client, world.requester, other.get_absolute_url()).status_code == 404
    page = get(client, world.requester, world.service.get_absolute_url()).content.decode()
    assert "Globex journaling" not in page and "Mailbox Premium" not in page
    assert "People of this service" not in page


def test_service_form_errors_and_edit_denied_to_analyst(client, world, analyst):
    client.force_login(world.admin)
    response = client.post(reverse("service_level:service-create"), {"name": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    url = reverse("service_level:service-edit", args=[world.service.pk])
    assert get(client, analyst, url).status_code == 403


# --- Agreements -------------------------------------------------------------------------------


def test_sla_signed_on_the_page_becomes_active(client, world):
    sla = world.sla()
    url = sla.get_absolute_url()
    text = get(client, world.acme_rep, url).content.decode()
    assert "Awaiting signature" in text and "Sign" in text
    assert "Critical incidents resolved within 4 business hours" in text
    client.post(
        reverse("service_level:agreement-sign", args=[sla.pk]),
        {"role": "customer_representative", "signed": "yes"},
    )
    client.force_login(world.owner)
    client.post(
        reverse("service_level:agreement-sign", args=[sla.pk]),
        {"role": "service_owner", "signed": "yes"},
    )
    sla.refresh_from_db()
    assert sla.status == AgreementStatus.ACTIVE


def test_declining_needs_a_reason(client, world):
    sla = world.sla()
    client.force_login(world.acme_rep)
    response = client.post(
        reverse("service_level:agreement-sign", args=[sla.pk]),
        {"role": "customer_representative", "signed": "no", "comment": ""},
    )
    assert response.status_code == 400
    assert "Say why the agreement is not signed" in response.content.decode()
    sla.refresh_from_db()
    assert sla.status == AgreementStatus.DRAFT


def test_agreement_denials(client, world):
    sla = world.sla()
    globex_rep = make_person(
        "customer_representative", organisation=world.globex, scope=world.globex
    )
    assert get(client, globex_rep, sla.get_absolute_url()).status_code == 404
    assert get(client, world.requester, reverse("service_level:agreement-list")).status_code == 403
    text = get(client, globex_rep, reverse("service_level:agreement-list")).content.decode()
    assert sla.number not in text
    # The representative sees the SLA but may not terminate or edit it.
    assert get(client, world.acme_rep, sla.get_absolute_url()).status_code == 200
    url = reverse("service_level:agreement-terminate", args=[sla.pk])
    assert get(client, world.acme_rep, url).status_code == 403


def test_agreement_form_prefilled_from_catalog_item_and_validates(client, world):
    client.force_login(world.admin)
    url = reverse("service_level:agreement-create")
    text = client.get(url, {"catalog_item": world.acme_private.pk}).content.decode()
    assert "Acme archive for Acme Bank" in text
    response = client.post(
        url,
        {
            "kind": "sla",
            "name": "No customer",
            "service": world.service.pk,
            "term_start": "2025-01-01",
            "evaluation_months": 3,
        },
    )
    assert response.status_code == 400
    assert "needs its customer" in response.content.decode()
    assert not Agreement.objects.filter(name="No customer").exists()


def test_terminate_needs_reason_then_ends_agreement(client, world):
    sla = world.sla()
    for role, person in (
        ("customer_representative", world.acme_rep),
        ("service_owner", world.owner),
    ):
        agreement_svc.agreement_sign(actor=person, agreement_id=sla.pk, role=role, signed=True)
    client.force_login(world.admin)
    url = reverse("service_level:agreement-terminate", args=[sla.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    client.post(url, {"reason": "Customer moved to another provider."})
    sla.refresh_from_db()
    assert sla.status == AgreementStatus.DISCONTINUED


# --- Customers and outages ---------------------------------------------------------------------


def test_customer_page_and_contacts(client, world):
    url = reverse("service_level:customer-detail", args=[world.acme.pk])
    text = get(client, world.admin, url).content.decode()
    assert "Contacts" in text and world.acme_rep.display_name in text
    contacts = reverse("service_level:customer-contacts", args=[world.acme.pk])
    response = client.post(
        contacts,
        {"representatives": [world.requester.pk], "service_level_managers": [world.slm.pk]},
    )
    assert response.status_code == 302
    text = get(client, world.admin, url).content.decode()
    assert world.requester.display_name in text and world.slm.display_name in text


def test_customer_page_denials(client, world):
    url = reverse("service_level:customer-detail", args=[world.acme.pk])
    assert get(client, world.globex_person, url).status_code == 404
    assert get(client, world.requester, url).status_code == 200
    contacts = reverse("service_level:customer-contacts", args=[world.acme.pk])
    assert get(client, world.acme_rep, contacts).status_code == 403


def test_outage_form_and_list(client, world, analyst):
    client.force_login(world.admin)
    url = reverse("service_level:outage-create")
    response = client.post(
        url,
        {
            "service": world.service.pk,
            "started_at": "2025-03-03T10:00",
            "ended_at": "2025-03-03T09:00",
        },
    )
    assert (
        response.status_code == 400
        and "The end must be after the start" in response.content.decode()
    )
    client.post(
        url,
        {
            "service": world.service.pk,
            "started_at": "2025-03-03T10:00",
            "ended_at": "2025-03-03T11:30",
            "source_reference": "INC000042",
        },
    )
    assert Outage.objects.filter(service=world.service, source_reference="INC000042").exists()
    text = get(client, world.admin, reverse("service_level:outage-list")).content.decode()
    assert "INC000042" in text and "1 h 30 min" in text
    assert get(client, analyst, url).status_code == 403


# --- My work and search -------------------------------------------------------------------------


def test_my_work_lists_approvals_and_signatures_waiting_for_me(client, world):
    catalog_svc.catalog_item_submit(actor=world.admin, item_id=world.draft.pk)
    sla = world.sla()
    text = get(client, world.owner, reverse("core:my-work")).content.decode()
    assert "Catalog items to approve" in text and world.draft.number in text
    assert "Agreements to sign" in text and sla.number in text
    # Customer-side people land on the portal, which lists what waits for them too.
    text = get(client, world.acme_rep, reverse("incidents:portal-home")).content.decode()
    assert "Agreements to sign" in text
    assert sla.number in text and world.draft.number not in text


def test_search_respects_what_the_customer_may_see(client, world):
    text = get(client, world.requester, reverse("core:search"), q="journaling").content.decode()
    assert "Globex journaling" not in text
    text = get(client, world.requester, reverse("core:search"), q="archive").content.decode()
    assert "Acme archive" in text


# --- Query-count guards -------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name",
    [
        "catalog",
        "catalog-item-list",
        "service-list",
        "agreement-list",
        "customer-list",
        "outage-list",
    ],
)
def test_list_pages_do_not_grow_queries_with_rows(client, world, provider, name):
    client.force_login(world.admin)
    url = reverse(f"service_level:{name}")

    def add_rows(n):
        for i in range(n):
            customer = OrganisationFactory(kind="customer")
            service = service_svc.service_create(
                actor=world.admin,
                name=f"Svc {customer.code}",
                provider=provider,
                owner=world.owner,
                customers=[customer],
            )
            world.published(f"Item {customer.code}", customer=customer)
            agreement_svc.agreement_create(
                actor=world.admin,
                kind="sla",
                service=service,
                name=f"SLA {i}",
                customer=customer,
                term_start=dt.date(2025, 1, 1),
            )
            agreement_svc.outage_record(
                actor=world.admin,
                service_id=service.pk,
                started_at=dt.datetime(2025, 1, 2, 10, tzinfo=dt.UTC),
                ended_at=dt.datetime(2025, 1, 2, 11, tzinfo=dt.UTC),
            )

    add_rows(2)
    few = _queries(client, url)
    add_rows(4)
    many = _queries(client, url)
    assert many == few, f"{name}: {few} queries with fewer rows, {many} with more"


@pytest.mark.django_db
def test_a_service_owner_may_edit_their_service_but_not_register_new_ones(client):
    from steward.core.tests.factories import make_person
    from steward.service_level.models import Service

    service = Service.objects.create(number="SVC900001", name="Owned service")
    owner = make_person("service_owner", scope=service, username="owner-only")
    client.force_login(owner)

    assert client.get("/services/new/").status_code == 403
    assert "New service" not in client.get("/services/").content.decode()
    response = client.post("/services/new/", {"name": "Sneaky service"})
    assert response.status_code == 403
    assert not Service.objects.filter(name="Sneaky service").exists()
