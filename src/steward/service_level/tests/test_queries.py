"""What each person may see of Service Level Management (queries restricted to the actor)."""

import datetime as dt

import pytest
from django.http import Http404

from steward.core.choices import Role
from steward.core.tests.factories import make_person
from steward.service_level import queries
from steward.service_level.services import agreements as agreement_svc
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.tests.test_agreements import active, make_agreement
from steward.service_level.tests.test_catalog import World, build_world, make_item, published_item


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def catalog(world):
    """A draft, a public and a discontinued item, and a private item for each customer."""
    items = {
        "draft": make_item(world, name="Draft"),
        "public": published_item(world, name="Public"),
        "acme only": published_item(
            world, name="Acme only", customers=(), visibility="private", customer=world.acme
        ),
        "globex only": published_item(
            world, name="Globex only", customers=(), visibility="private", customer=world.globex
        ),
        "gone": published_item(world, name="Gone"),
    }
    catalog_svc.catalog_item_discontinue(actor=world.sla_admin, item_id=items["gone"].pk)
    return items


def names(qs) -> set[str]:
    return {obj.name for obj in qs}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("requester_acme", {"Public", "Acme only"}),
        ("rep_acme", {"Public", "Acme only"}),
        ("requester_globex", {"Public", "Globex only"}),
        ("rep_globex", {"Public", "Globex only"}),
        ("analyst", {"Draft", "Public", "Acme only", "Globex only", "Gone"}),
        ("sla_admin", {"Draft", "Public", "Acme only", "Globex only", "Gone"}),
        ("no_role", set()),
    ],
)
def test_catalog_items_each_person_sees(world, catalog, who, expected):
    assert names(queries.catalog_items_for(world.who(who))) == expected


def test_the_web_catalog_shows_published_items_only(world, catalog):
    assert names(queries.published_catalog_for(world.sla_admin)) == {
        "Public", "Acme only", "Globex only",
    }  # fmt: skip
    assert names(queries.published_catalog_for(world.requester_acme)) == {"Public", "Acme only"}


def test_another_customers_private_item_is_not_found(world, catalog):
    with pytest.raises(Http404):
        queries.catalog_item_for(world.requester_acme, catalog["globex only"].pk)
    with pytest.raises(Http404):
        queries.catalog_item_for(world.requester_acme, catalog["draft"].pk)
    assert queries.catalog_item_for(world.requester_acme, catalog["acme only"].pk).name == (
        "Acme only"
    )


def test_targets_follow_the_items_and_agreements_one_may_see(world, catalog):
    visible = {t.catalog_item.name for t in queries.targets_for(world.requester_globex)}
    assert visible == {"Public", "Globex only"}


def test_customer_people_see_only_the_services_they_subscribe_to(world):
    active(world)  # Acme's SLA subscribes Acme to the e-mail service
    assert names(queries.services_for(world.requester_acme)) == {"E-mail"}
    assert names(queries.services_for(world.requester_globex)) == set()
    assert names(queries.services_for(world.analyst)) == {"E-mail", "Payroll"}


def test_agreements_representatives_see_their_own_slas_only(world):
    group_sla = active(world)
    make_agreement(world, "uc")
    other = agreement_svc.agreement_create(
        actor=world.sla_admin, kind="sla", service=world.other_service, customer=world.globex,
        name="Globex payroll", term_start=dt.date(2025, 1, 1),
    )  # fmt: skip
    assert set(queries.agreements_for(world.rep_acme)) == {group_sla}
    assert set(queries.agreements_for(world.rep_globex)) == {other}
    assert set(queries.agreements_for(world.requester_acme)) == set()
    assert queries.agreements_for(world.analyst).count() == 3
    with pytest.raises(Http404):
        queries.agreement_for(world.rep_acme, other.pk)


def test_customers_customer_people_see_their_own_organisation(world):
    assert names(queries.customers_for(world.requester_acme)) == {"Acme Bank"}
    assert names(queries.customers_for(world.analyst)) == {"Acme Bank", "Globex"}


def test_reviews_are_for_managers_owners_and_the_customers_representative(world):
    from steward.service_level.models import SlaReview

    sla = active(world)
    review = SlaReview.objects.create(
        number="SLR000001", customer=world.acme, service_level_manager=world.slm_acme,
        term_start=dt.date(2025, 1, 1), term_end=dt.date(2025, 3, 31),
    )  # fmt: skip
    review.agreements.add(sla)
    director = make_person(Role.IT_DIRECTOR, organisation=world.provider)
    sees = {
        who: queries.reviews_for(world.who(who) if isinstance(who, str) else who).exists()
        for who in ("slm_acme", "slm_global", "owner", "other_owner", "rep_acme", "rep_globex",
                    "requester_acme", "analyst", "sla_admin")
    }  # fmt: skip
    assert sees == {
        "slm_acme": True, "slm_global": True, "owner": True, "other_owner": False,
        "rep_acme": True, "rep_globex": False, "requester_acme": False, "analyst": False,
        "sla_admin": True,
    }  # fmt: skip
    assert queries.reviews_for(director).exists()
