"""/api/v1/ Service Level Management resources: grants and denials, field messages,
invalid transitions, and nothing written on a refusal."""

import pytest

from steward.core.models import JournalEntry
from steward.core.tests.api import error_detail, field_errors
from steward.service_level.models import Agreement, CatalogItem, Outage, Service
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.tests.test_agreements import active, make_agreement
from steward.service_level.tests.test_catalog import World, build_world, make_item, published_item

RESOURCES = [
    "services", "catalog-items", "catalog-item-templates", "customers", "agreements",
    "service-level-targets", "outages",
]  # fmt: skip


@pytest.fixture
def world(db) -> World:
    return build_world()


def url(resource: str, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    if verb:
        path += f"{verb}/"
    return path


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


@pytest.fixture
def catalog(world):
    public = published_item(world, name="Public")
    mine = published_item(
        world, name="Acme only", customers=(), visibility="private", customer=world.acme
    )
    theirs = published_item(
        world, name="Globex only", customers=(), visibility="private", customer=world.globex
    )
    draft = make_item(world, name="Draft")
    return {"public": public, "mine": mine, "theirs": theirs, "draft": draft}


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_anonymous_callers_are_refused(api, world, resource):
    assert api.get(url(resource)).status_code == 401


@pytest.mark.parametrize("resource", RESOURCES)
def test_people_without_a_role_are_refused(api, world, resource):
    assert api.as_(world.no_role).get(url(resource)).status_code == 403


def test_requesters_may_not_list_agreements(api, world):
    assert api.as_(world.requester_acme).get(url("agreements")).status_code == 403


# --- Acceptance 3: a customer person sees public items and their own private ones -------------


@pytest.mark.parametrize("who", ["requester_acme", "rep_acme"])
def test_a_customer_person_sees_public_and_own_private_published_items(api, world, catalog, who):
    client = api.as_(world.who(who))
    assert numbers(client.get(url("catalog-items"))) == {
        catalog["public"].number,
        catalog["mine"].number,
    }
    assert client.get(url("catalog-items", catalog["theirs"].pk)).status_code == 404
    assert client.get(url("catalog-items", catalog["draft"].pk)).status_code == 404
    detail = client.get(url("catalog-items", catalog["mine"].pk)).json()
    # The provider's working papers stay inside.
    assert "approvals" not in detail and "failure_reason" not in detail
    assert [t["kind"] for t in detail["targets"]] == ["resolution"]


def test_the_other_customer_sees_its_own_private_item_only(api, world, catalog):
    client = api.as_(world.requester_globex)
    assert numbers(client.get(url("catalog-items"))) == {
        catalog["public"].number,
        catalog["theirs"].number,
    }
    assert client.get(url("catalog-items", catalog["mine"].pk)).status_code == 404
    assert client.get(url("service-level-targets") + f"?catalog_item={catalog['mine'].pk}").status_code == 400  # fmt: skip


def test_provider_staff_see_every_item_with_its_approvals(api, world, catalog):
    response = api.as_(world.analyst).get(url("catalog-items"))
    assert numbers(response) == {item.number for item in catalog.values()}
    detail = api.as_(world.analyst).get(url("catalog-items", catalog["public"].pk)).json()
    assert {a["role"] for a in detail["approvals"]} == {
        "service_owner", "service_level_manager", "financial_manager",
    }  # fmt: skip


def test_customer_people_do_not_see_templates(api, world):
    from steward.service_level.models import CatalogItemTemplate

    CatalogItemTemplate.objects.create(name="Standard")
    assert api.as_(world.requester_acme).get(url("catalog-item-templates")).json()["results"] == []
    assert len(api.as_(world.analyst).get(url("catalog-item-templates")).json()["results"]) == 1


# --- The catalog approval flow through the API ------------------------------------------------


def test_prepare_submit_approve_publish(api, world):
    admin = api.as_(world.sla_admin)
    response = admin.post(
        url("catalog-items"),
        {
            "service": world.service.pk,
            "name": "Mailbox, silver",
            "target_customers": [world.acme.pk],
            "charge": "4.50",
            "targets": [{"kind": "resolution", "priority": "2", "target_seconds": 28800}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["status"], item["number"][:3]) == ("draft", "CAT")
    assert admin.post(url("catalog-items", item["id"], "submit")).json()["status"] == "in_approval"
    for who in ("owner", "slm_acme", "fin"):
        response = api.as_(world.who(who)).post(
            url("catalog-items", item["id"], "decide"), {"decision": "approved"}, format="json"
        )
        assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    response = api.as_(world.sla_admin).post(url("catalog-items", item["id"], "publish"))
    assert response.json()["status"] == "published"
    assert response.json()["published_at"]


def test_adjust_reject_fail_revise_discontinue(api, world):
    item = make_item(world)
    admin = api.as_(world.sla_admin)
    admin.post(url("catalog-items", item.pk, "submit"))
    response = api.as_(world.owner).post(
        url("catalog-items", item.pk, "decide"), {"decision": "adjust", "comment": "Cheaper"},
        format="json",
    )  # fmt: skip
    assert response.json()["status"] == "draft"
    response = api.as_(world.sla_admin).patch(
        url("catalog-items", item.pk), {"charge": "3.00"}, format="json"
    )
    assert response.json()["charge"] == "3.00"
    api.as_(world.sla_admin).post(url("catalog-items", item.pk, "submit"))
    api.as_(world.fin).post(
        url("catalog-items", item.pk, "decide"), {"decision": "rejected", "comment": "No"},
        format="json",
    )  # fmt: skip
    response = api.as_(world.sla_admin).post(
        url("catalog-items", item.pk, "fail"), {"reason": "No agreement"}, format="json"
    )
    assert (response.json()["status"], response.json()["failure_reason"]) == (
        "failed",
        "No agreement",
    )
    assert (
        api.as_(world.sla_admin).post(url("catalog-items", item.pk, "revise")).json()["status"]
        == "draft"
    )


# --- Field messages, refusals and conflicts --------------------------------------------------


def test_missing_and_inconsistent_fields_are_named(api, world):
    admin = api.as_(world.sla_admin)
    response = admin.post(url("catalog-items"), {"service": world.service.pk}, format="json")
    assert response.status_code == 400
    assert set(field_errors(response)) == {"name"}
    response = admin.post(
        url("catalog-items"),
        {"service": world.service.pk, "name": "X", "visibility": "private"},
        format="json",
    )
    assert response.status_code == 400
    assert field_errors(response) == {"customer": ["A private (one-off) item is for one customer."]}
    response = admin.post(
        url("catalog-items"),
        {"service": world.service.pk, "name": "X", "targets": [{"kind": "availability"}]},
        format="json",
    )
    assert response.status_code == 400
    assert list(field_errors(response)) == ["targets"]
    assert not CatalogItem.objects.exists()


def test_a_refused_caller_learns_nothing_from_validation(api, world):
    response = api.as_(world.owner).post(url("catalog-items"), {}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "verb"),
    [
        ("owner", "submit"),
        ("rep_acme", "submit"),
        ("analyst", "publish"),
        ("sla_admin", "decide"),
        ("slm_global", "decide"),
    ],
)
def test_wrong_roles_get_403_and_nothing_changes(api, world, who, verb):
    item = make_item(world)
    catalog_svc.catalog_item_submit(actor=world.sla_admin, item_id=item.pk) if verb != "submit" else None  # fmt: skip
    status_before = CatalogItem.objects.get(pk=item.pk).status
    journal_before = JournalEntry.objects.count()
    response = api.as_(world.who(who)).post(
        url("catalog-items", item.pk, verb), {"decision": "approved"}, format="json"
    )
    # A customer representative cannot even see a draft.
    assert response.status_code == (404 if who == "rep_acme" else 403)
    assert CatalogItem.objects.get(pk=item.pk).status == status_before
    assert JournalEntry.objects.count() == journal_before


def test_an_invalid_transition_is_a_conflict(api, world):
    item = make_item(world)
    response = api.as_(world.sla_admin).post(url("catalog-items", item.pk, "publish"))
    assert response.status_code == 409
    assert "cannot go from 'draft' to 'published'" in error_detail(response)
    assert CatalogItem.objects.get(pk=item.pk).status == "draft"


def test_only_drafts_can_be_patched(api, world):
    item = published_item(world)
    response = api.as_(world.sla_admin).patch(
        url("catalog-items", item.pk), {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 409
    assert CatalogItem.objects.get(pk=item.pk).name == "Mailbox, gold"


# --- Agreements -------------------------------------------------------------------------------


def test_an_sla_is_prepared_signed_by_both_and_terminated(api, world):
    response = api.as_(world.sla_admin).post(
        url("agreements"),
        {
            "kind": "sla", "service": world.service.pk, "customer": world.acme.pk,
            "name": "Mail for Acme", "term_start": "2025-01-01",
            "targets": [{"kind": "availability", "target_percent": "99.5"}],
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    sla = response.json()
    assert sla["number"].startswith("SLA") and sla["missing_signatures"] == [
        "customer_representative", "service_owner",
    ]  # fmt: skip
    for who, role in (("rep_acme", "customer_representative"), ("owner", "service_owner")):
        response = api.as_(world.who(who)).post(
            url("agreements", sla["id"], "sign"), {"role": role, "signed": True}, format="json"
        )
        assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"
    assert Service.objects.get(pk=world.service.pk).status == "active"
    response = api.as_(world.sla_admin).post(
        url("agreements", sla["id"], "terminate"), {"reason": "Contract ended"}, format="json"
    )
    assert response.json()["status"] == "discontinued"
    assert Service.objects.get(pk=world.service.pk).status == "discontinued"


def test_agreement_denials(api, world):
    sla = make_agreement(world)
    # Another customer's representative does not even see it.
    response = api.as_(world.rep_globex).post(
        url("agreements", sla.pk, "sign"),
        {"role": "customer_representative", "signed": True},
        format="json",
    )
    assert response.status_code == 404
    # The owner may not terminate, nor sign for the customer.
    response = api.as_(world.owner).post(
        url("agreements", sla.pk, "sign"),
        {"role": "customer_representative", "signed": True},
        format="json",
    )
    assert response.status_code == 403
    assert api.as_(world.owner).post(url("agreements", sla.pk, "terminate"), {"reason": "x"}, format="json").status_code == 403  # fmt: skip
    # Terminating a draft is a conflict; a missing reason a field message.
    response = api.as_(world.sla_admin).post(
        url("agreements", sla.pk, "terminate"), {"reason": "x"}, format="json"
    )
    assert response.status_code == 409
    response = api.as_(world.sla_admin).post(
        url("agreements", sla.pk, "terminate"), {}, format="json"
    )
    assert response.status_code == 400 and "reason" in field_errors(response)
    assert Agreement.objects.get(pk=sla.pk).status == "draft"
    assert not sla.signatures.exists()


def test_a_representative_lists_only_their_slas(api, world):
    own = active(world)
    make_agreement(world, "uc")
    response = api.as_(world.rep_acme).get(url("agreements"))
    assert numbers(response) == {own.number}
    assert numbers(api.as_(world.rep_globex).get(url("agreements"))) == set()


def test_targets_are_added_to_a_draft_and_removed(api, world):
    sla = make_agreement(world, targets=[])
    response = api.as_(world.sla_admin).post(
        url("service-level-targets"),
        {"agreement": sla.pk, "kind": "response", "priority": "1", "target_seconds": 900},
        format="json",
    )
    assert response.status_code == 201, response.content
    target = response.json()
    assert api.as_(world.owner).delete(url("service-level-targets", target["id"])).status_code == 403  # fmt: skip
    assert api.as_(world.sla_admin).delete(url("service-level-targets", target["id"])).status_code == 204  # fmt: skip
    response = api.as_(world.sla_admin).post(
        url("service-level-targets"), {"agreement": sla.pk, "kind": "response"}, format="json"
    )
    assert response.status_code == 400
    assert set(field_errors(response)) == {"priority", "target_seconds"}


@pytest.mark.parametrize("seconds", [10 * 366 * 24 * 3600 + 1, 2**62])
def test_a_target_longer_than_ten_years_is_refused(api, world, seconds):
    # Such a clock would end past the calendar's last year: the next registration would fail.
    sla = make_agreement(world, targets=[])
    response = api.as_(world.sla_admin).post(
        url("service-level-targets"),
        {"agreement": sla.pk, "kind": "response", "priority": "1", "target_seconds": seconds},
        format="json",
    )

    assert response.status_code == 400
    assert list(field_errors(response)) == ["target_seconds"]
    assert not sla.targets.exists()


# --- Customers, services, outages ------------------------------------------------------------


def test_customers_are_registered_and_their_contacts_set(api, world):
    admin = api.as_(world.sla_admin)
    response = admin.post(url("customers"), {"name": "Initech", "code": "initech"}, format="json")
    assert response.status_code == 201, response.content
    response = admin.post(
        url("customers", world.acme.pk, "contacts"),
        {"representatives": [world.rep_acme.pk], "service_level_managers": [world.slm_global.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [p["id"] for p in response.json()["service_level_managers"]] == [world.slm_global.pk]
    response = api.as_(world.rep_acme).post(
        url("customers", world.acme.pk, "contacts"),
        {"representatives": [], "service_level_managers": []},
        format="json",
    )
    assert response.status_code == 403
    assert api.as_(world.requester_acme).get(url("customers", world.globex.pk)).status_code == 404


def test_services_are_registered_and_their_status_set(api, world):
    response = api.as_(world.sla_admin).post(
        url("services"),
        {"name": "VPN", "owner": world.other_owner.pk, "provider": world.provider.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    service = response.json()
    assert (service["number"][:3], service["status"]) == ("SVC", "in_design")
    response = api.as_(world.owner).post(
        url("services", service["id"], "set-status"), {"status": "active"}, format="json"
    )
    assert response.status_code == 403  # owner of another service
    response = api.as_(world.owner).post(
        url("services", world.service.pk, "set-status"), {"status": "active"}, format="json"
    )
    assert response.json()["status"] == "active"
    response = api.as_(world.sla_admin).post(
        url("services", world.service.pk, "set-status"), {"status": "in_design"}, format="json"
    )
    assert response.status_code == 409


def test_outages_are_recorded_by_operations(api, world):
    payload = {"service": world.service.pk, "started_at": "2025-03-03T09:00:00Z"}
    assert api.as_(world.analyst).post(url("outages"), payload, format="json").status_code == 403
    response = api.as_(world.sla_admin).post(url("outages"), payload, format="json")
    assert response.status_code == 201, response.content
    assert Outage.objects.count() == 1


def test_the_schema_lists_the_resources(api, world):
    schema = api.as_(world.analyst).get("/api/schema/?format=json").json()
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in schema["paths"]
    assert "/api/v1/catalog-items/{id}/decide/" in schema["paths"]
    assert "/api/v1/agreements/{id}/sign/" in schema["paths"]
