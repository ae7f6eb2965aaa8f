"""The Service Level Management demo data: a catalogue item and SLAs for every service and
customer, OLAs and a contract, and the Northwind review shows figures computed from the
demo's records (loading it again adds nothing: tests/test_demo_and_cli.py, every table)."""

from decimal import Decimal

from steward.core.models import Organisation
from steward.service_level.choices import (
    AgreementKind,
    AgreementStatus,
    CatalogItemStatus,
    ReviewStatus,
    Visibility,
)
from steward.service_level.models import (
    Agreement,
    CatalogItem,
    Service,
    ServiceLevelTarget,
    SlaReview,
)


def test_every_service_has_a_published_public_catalog_item(demo):
    for service in Service.objects.all():
        assert CatalogItem.objects.filter(
            service=service, status=CatalogItemStatus.PUBLISHED, visibility=Visibility.PUBLIC
        ).exists(), service
    private = CatalogItem.objects.get(visibility=Visibility.PRIVATE)
    assert private.customer.code == "northwind"
    assert private.status == CatalogItemStatus.PUBLISHED


def test_every_customer_has_an_active_sla_with_targets_per_subscribed_service(demo):
    for customer in Organisation.objects.filter(kind="customer"):
        for service in customer.subscribed_services.all():
            sla = Agreement.objects.get(kind=AgreementKind.SLA, customer=customer, service=service)
            assert sla.status == AgreementStatus.ACTIVE
            assert sla.signatures.filter(signed=True).count() == 2
            kinds = set(sla.targets.values_list("kind", flat=True))
            assert {"response", "resolution", "availability", "max_outages"} <= kinds
    p1 = ServiceLevelTarget.objects.get(
        agreement__customer__code="northwind",
        agreement__service__name="Online Banking",
        kind="resolution",
        priority="1",
    )
    assert p1.target_seconds == 4 * 3600


def test_there_are_two_olas_and_one_underpinning_contract(demo):
    olas = Agreement.objects.filter(kind=AgreementKind.OLA, status=AgreementStatus.ACTIVE)
    assert sorted(olas.values_list("support_group__name", flat=True)) == [
        "Server & Storage",
        "Service Desk",
    ]
    uc = Agreement.objects.get(kind=AgreementKind.UC)
    assert (uc.supplier.code, uc.service.name, uc.status) == (
        "globex",
        "Online Banking",
        AgreementStatus.ACTIVE,
    )
    assert uc.number.startswith("UC")


def test_the_northwind_review_has_real_figures(demo):
    review = SlaReview.objects.get(customer__code="northwind")
    assert review.status == ReviewStatus.REPORTED
    figures = review.figures
    assert figures["summary"]["targets"] > 0
    banking = next(a for a in figures["agreements"] if a["service"]["name"] == "Online Banking")
    availability = next(t for t in banking["targets"] if t["kind"] == "availability")
    # 3 hours of unplanned outage in a quarter of 24x7 hours misses 99.9 %.
    hours = Decimal(availability["detail"]["term_seconds"]) / 3600
    expected = (1 - Decimal(3) / hours) * 100
    assert Decimal(availability["detail"]["percent"]) == expected.quantize(Decimal("0.001"))
    assert availability["status"] == "violated"
    violation = review.violations.get(target_id=availability["id"])
    assert violation.owner.username == "olivia.owner"
    assert violation.explanation


def test_the_northwind_report_page_shows_the_figures_to_its_people_only(client, demo):
    from django.contrib.auth import get_user_model

    people = get_user_model().objects
    review = SlaReview.objects.get(customer__code="northwind")
    banking = next(
        a for a in review.figures["agreements"] if a["service"]["name"] == "Online Banking"
    )
    percent = next(t for t in banking["targets"] if t["kind"] == "availability")["actual"]

    for username in ("lena.sla", "nora.northwind", "olivia.owner"):
        client.force_login(people.get(username=username))
        page = client.get(review.get_absolute_url())
        assert page.status_code == 200, username
        assert percent in page.content.decode()

    client.force_login(people.get(username="claire.contoso"))
    assert client.get(review.get_absolute_url()).status_code == 404
