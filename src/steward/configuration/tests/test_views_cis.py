"""The CMDB pages: the CI list and its filters, the CI page (attributes, relationships,
impact picture, history, as it was), the CI forms and relationships, and who may do what."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.configuration.models import (
    CIChange,
    CIClass,
    ConfigurationItem,
    Relationship,
    RelationshipType,
)
from steward.configuration.queries import graph
from steward.configuration.services import cis as services
from steward.configuration.services.standard import ensure_standard_catalogue
from steward.core.testing.exports import assert_formulas_defused
from steward.core.tests.api import field_errors
from steward.core.tests.factories import FORMULA_CELLS, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def stack(config_admin, server, runs_on):
    """app runs on vm runs on host; the app's service CI runs on the app."""
    vm_class = services.ci_class_create(
        actor=config_admin, name="Virtual machine", code="vm", category="hardware"
    )
    host = services.ci_create(
        actor=config_admin, ci_class=server, name="host-01", attributes={"ram_gb": 256},
        serial_number="SN-1", cause="CHG000001",
    )  # fmt: skip
    vm = services.ci_create(actor=config_admin, ci_class=vm_class, name="vm-01")
    app = services.ci_create(actor=config_admin, ci_class=vm_class, name="app-01")
    services.relationship_add(
        actor=config_admin, source_id=vm.pk, target_id=host.pk, type_id=runs_on.pk
    )
    services.relationship_add(
        actor=config_admin, source_id=app.pk, target_id=vm.pk, type_id=runs_on.pk
    )
    return {"host": host, "vm": vm, "app": app, "vm_class": vm_class}


def _login(client, person):
    client.force_login(person)
    return client


# --- who may see and do what ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "list_status", "edit_status"),
    [
        ("configuration_administrator", 200, 200),
        ("specialist", 200, 403),  # provider staff read the CMDB, only admins change it
        ("service_desk_analyst", 200, 403),
    ],
)
def test_provider_roles_read_the_cmdb_only_admins_change_it(
    client, provider, stack, role, list_status, edit_status
):
    person = make_person(role, organisation=provider, username=f"p-{role}")
    _login(client, person)
    assert client.get(reverse("configuration:ci-list")).status_code == list_status
    detail = client.get(reverse("configuration:ci-detail", args=[stack["host"].pk]))
    assert detail.status_code == 200
    assert client.get(reverse("configuration:ci-edit", args=[stack["host"].pk])).status_code == (
        edit_status
    )


@pytest.mark.parametrize("role", ["requester", "customer_representative"])
def test_customer_side_people_see_no_cmdb_page(client, customer_org, stack, role):
    person = make_person(role, organisation=customer_org, scope=customer_org, username="cust")
    _login(client, person)
    assert client.get(reverse("configuration:ci-list")).status_code == 403
    assert client.get(reverse("configuration:ci-detail", args=[stack["host"].pk])).status_code in (
        403,
        404,
    )


def test_a_reader_cannot_verify_edit_or_relate_by_posting(client, specialist, stack):
    host = stack["host"]
    _login(client, specialist)
    before = CIChange.objects.count()
    assert client.post(reverse("configuration:ci-verify", args=[host.pk])).status_code == 403
    response = client.post(
        reverse("configuration:ci-edit", args=[host.pk]), {"name": "renamed", "status": "retired"}
    )
    assert response.status_code == 403
    rel = Relationship.objects.filter(target=host).first()
    response = client.post(reverse("configuration:ci-relationship-end", args=[host.pk, rel.pk]))
    assert response.status_code == 403
    host.refresh_from_db()
    rel.refresh_from_db()
    assert (host.name, host.last_verified_at, rel.valid_to) == ("host-01", None, None)
    assert CIChange.objects.count() == before


# --- list ------------------------------------------------------------------------------------------


def test_list_filters_by_class_and_one_attribute_value(client, config_admin, server, stack):
    services.ci_create(
        actor=config_admin, ci_class=server, name="host-02", attributes={"ram_gb": 64}
    )
    _login(client, config_admin)
    url = reverse("configuration:ci-list")
    page = client.get(url, {"ci_class": server.pk, "attribute": "ram_gb", "value": "64"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "host-02" in text and "host-01" not in text and "vm-01" not in text
    csv = client.get(url, {"ci_class": server.pk, "format": "csv"})
    body = b"".join(csv.streaming_content).decode()
    assert "host-01" in body and "host-02" in body and "vm-01" not in body


def test_ci_list_csv_defuses_formulas(client, config_admin, server):
    names = [
        services.ci_create(
            actor=config_admin, ci_class=server, name=f"{formula} {n}", attributes={"ram_gb": 8}
        ).name
        for n, formula in enumerate(FORMULA_CELLS)
    ]
    _login(client, config_admin)

    export = client.get(reverse("configuration:ci-list"), {"format": "csv"})

    assert_formulas_defused(export, names)


# --- the CI page ---------------------------------------------------------------------------------


def test_ci_page_shows_attributes_relationships_impact_picture_and_history(
    client, config_admin, stack
):
    vm = stack["vm"]
    services.ci_update(actor=config_admin, ci_id=vm.pk, data={"location": "DC2"}, cause="CHG000099")
    _login(client, config_admin)
    page = client.get(reverse("configuration:ci-detail", args=[vm.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    # relationships, both directions, in words
    assert "runs on" in text and "host-01" in text and "hosts" in text and "app-01" in text
    # the picture: an SVG with a box for the CI, what it runs on and what depends on it
    picture = text[text.index('data-testid="impact-graph"') :]
    picture = picture[: picture.index("</figure>")]
    assert "<svg" in picture
    for name in ("vm-01", "host-01", "app-01"):
        assert name in picture
    # history: the change with its cause and values
    history = text[text.index('id="history"') :]
    assert "CHG000099" in history and "DC2" in history and "Location" in history


def test_impact_picture_places_dependants_right_and_supports_left(config_admin, stack):
    picture = graph.impact_picture(stack["vm"])
    columns = {n.ci.name: n.column for n in picture.nodes}
    assert columns == {"host-01": -1, "vm-01": 0, "app-01": 1}
    xs = {n.ci.name: n.x for n in picture.nodes}
    assert xs["host-01"] < xs["vm-01"] < xs["app-01"]
    assert {(e.source.ci.name, e.target.ci.name) for e in picture.edges} == {
        ("vm-01", "host-01"),
        ("app-01", "vm-01"),
    }
    assert picture.width > 3 * graph.NODE_W and picture.left_out == 0


def test_impact_picture_is_trimmed_for_a_ci_with_many_dependants(config_admin, server, runs_on):
    host = services.ci_create(
        actor=config_admin, ci_class=server, name="big", attributes={"ram_gb": 1}
    )
    for n in range(graph.MAX_PER_COLUMN + 3):
        vm = services.ci_create(
            actor=config_admin, ci_class=server, name=f"guest-{n:02d}", attributes={"ram_gb": 1}
        )
        services.relationship_add(
            actor=config_admin, source_id=vm.pk, target_id=host.pk, type_id=runs_on.pk
        )
    picture = graph.impact_picture(host)
    assert len([n for n in picture.nodes if n.column == 1]) == graph.MAX_PER_COLUMN
    assert picture.left_out == 3


def test_ci_page_shows_the_ci_as_it_was_at_a_past_date(client, config_admin, stack):
    host = stack["host"]
    past = timezone.now()
    CIChange.objects.filter(ci=host).update(at=past - dt.timedelta(days=10))
    type(host).objects.filter(pk=host.pk).update(created_at=past - dt.timedelta(days=10))
    services.ci_update(
        actor=config_admin, ci_id=host.pk, data={"version": "2.0", "attributes": {"ram_gb": 512}}
    )
    _login(client, config_admin)
    when = (past - dt.timedelta(days=5)).astimezone(timezone.get_current_timezone())
    page = client.get(
        reverse("configuration:ci-detail", args=[host.pk]), {"at": when.strftime("%Y-%m-%dT%H:%M")}
    )
    text = page.content.decode()
    as_of = text[text.index('data-testid="as-of"') :]
    as_of = as_of[: as_of.index("</section>")]
    assert "256" in as_of and "512" not in as_of  # the attribute as it was
    assert "2.0" not in as_of
    # before the CI existed: a form error, not a 500
    page = client.get(
        reverse("configuration:ci-detail", args=[host.pk]),
        {"at": (past - dt.timedelta(days=30)).strftime("%Y-%m-%d")},
    )
    assert page.status_code == 200 and "did not exist" in page.content.decode()
    page = client.get(reverse("configuration:ci-detail", args=[host.pk]), {"at": "yesterday"})
    assert page.status_code == 200 and "Enter a valid date" in page.content.decode()


# --- forms ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at", ["tomorrow at -23:59", "0001-01-01T00:00:00+01:00", "2025-13-45T00:00", "9" * 5000]
)
def test_an_as_of_moment_no_database_takes_is_refused_not_a_500(
    client, api, config_admin, stack, at
):
    # Python takes offsets up to 23:59, PostgreSQL only up to 15:59 (the first is a valid
    # instant, written oddly); the others are outside the calendar (year 0 in UTC, month 13).
    host = stack["host"]
    _login(client, config_admin)
    valid = at.startswith("tomorrow")
    if valid:
        zone = dt.timezone(-dt.timedelta(hours=23, minutes=59))
        at = (timezone.now() + dt.timedelta(days=1)).astimezone(zone).isoformat()

    page = client.get(reverse("configuration:ci-detail", args=[host.pk]), {"at": at})
    answer = api.as_(config_admin).get(f"/api/v1/cis/{host.pk}/as-of/", {"at": at})

    assert page.status_code == 200
    assert ('data-testid="as-of"' in page.content.decode()) == valid
    if valid:
        assert answer.status_code == 200, answer.content
    else:
        assert answer.status_code == 400 and list(field_errors(answer)) == ["at"]


def test_registering_a_ci_asks_the_class_then_its_attributes(client, config_admin, server):
    _login(client, config_admin)
    url = reverse("configuration:ci-create")
    assert "Choose the class first" in client.get(url).content.decode()
    form = client.get(url, {"ci_class": server.pk})
    assert 'name="attr__ram_gb"' in form.content.decode()
    # the mandatory attribute is missing: the form says so and nothing is stored
    response = client.post(
        f"{url}?ci_class={server.pk}", {"name": "db-01", "status": "in_production"}
    )
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not ConfigurationItem.objects.filter(name="db-01").exists()
    response = client.post(
        f"{url}?ci_class={server.pk}",
        {"name": "db-01", "status": "in_production", "attr__ram_gb": "128", "cause": "CHG7"},
    )
    ci = ConfigurationItem.objects.get(name="db-01")
    assert response.status_code == 302 and response["Location"] == ci.get_absolute_url()
    assert ci.attributes == {"ram_gb": 128}
    assert ci.changes.filter(cause="CHG7").exists()


def test_editing_a_ci_records_what_changed(client, config_admin, stack):
    host = stack["host"]
    _login(client, config_admin)
    url = reverse("configuration:ci-edit", args=[host.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"name": "host-01", "status": "in_repair", "serial_number": "SN-1",
         "attr__ram_gb": "abc", "cause": "CHG8"},
    )  # fmt: skip
    assert response.status_code == 400  # a number field refuses text
    host.refresh_from_db()
    assert host.status == "in_production"
    response = client.post(
        url,
        {"name": "host-01", "status": "in_repair", "serial_number": "SN-1",
         "attr__ram_gb": "384", "cause": "CHG8"},
    )  # fmt: skip
    assert response.status_code == 302
    host.refresh_from_db()
    assert (host.status, host.attributes["ram_gb"]) == ("in_repair", 384)
    fields = set(host.changes.filter(cause="CHG8").values_list("field", flat=True))
    assert fields == {"status", "attributes.ram_gb"}


def test_relationships_are_added_by_number_and_ended_from_the_page(
    client, config_admin, stack, runs_on
):
    app, host = stack["app"], stack["host"]
    _login(client, config_admin)
    url = reverse("configuration:ci-relationship-add", args=[app.pk])
    response = client.post(url, {"direction": "out", "type": runs_on.pk, "other": "CI999999"})
    assert response.status_code == 400 and "There is no configuration item" in (
        response.content.decode()
    )
    response = client.post(url, {"direction": "out", "type": runs_on.pk, "other": host.number})
    assert response.status_code == 302
    rel = Relationship.objects.get(source=app, target=host, valid_to__isnull=True)
    # the same link twice is refused on the form
    response = client.post(url, {"direction": "out", "type": runs_on.pk, "other": host.number})
    assert response.status_code == 400 and "already" in response.content.decode()
    response = client.post(
        reverse("configuration:ci-relationship-end", args=[app.pk, rel.pk]), {"cause": "CHG9"}
    )
    assert response.status_code == 302
    rel.refresh_from_db()
    assert rel.valid_to is not None and rel.ended_by == config_admin


def test_verify_records_the_check(client, config_admin, stack):
    host = stack["host"]
    _login(client, config_admin)
    response = client.post(reverse("configuration:ci-verify", args=[host.pk]))
    assert response.status_code == 302
    host.refresh_from_db()
    assert host.last_verified_at is not None


def test_class_pages_list_attributes_with_inheritance(client, config_admin, server):
    child = services.ci_class_create(
        actor=config_admin, name="Blade", code="blade", category="hardware", parent=server
    )
    _login(client, config_admin)
    assert "Blade" in client.get(reverse("configuration:ci-class-list")).content.decode()
    text = client.get(reverse("configuration:ci-class-detail", args=[child.pk])).content.decode()
    assert "ram_gb" in text and "Server" in text  # inherited from its parent


# --- the standard catalogue ----------------------------------------------------------------------


def test_standard_catalogue_is_added_once_and_keeps_local_edits():
    first = ensure_standard_catalogue()
    assert first["CI classes"] >= 10 and first["relationship types"] == 7
    server = CIClass.objects.get(code="server")
    server.description = "Our own words"
    server.save()
    again = ensure_standard_catalogue()
    assert again == {"CI classes": 0, "attribute definitions": 0, "relationship types": 0}
    assert CIClass.objects.get(code="server").description == "Our own words"
    codes = set(RelationshipType.objects.values_list("code", flat=True))
    assert codes == {
        "runs-on", "depends-on", "connected-to", "part-of", "installed-on", "uses", "licensed-by",
    }  # fmt: skip


def test_the_attribute_filter_follows_every_change_of_the_value(client, config_admin, server):
    """The list's "attribute = value" filter reads an index the services keep: it must
    follow a registration, an update and a removal of the value."""
    ci = services.ci_create(
        actor=config_admin, ci_class=server, name="db-07", attributes={"ram_gb": 64}
    )
    _login(client, config_admin)
    url = reverse("configuration:ci-list")

    def found(value: str) -> bool:
        page = client.get(url, {"ci_class": server.pk, "attribute": "ram_gb", "value": value})
        return "db-07" in page.content.decode()

    assert found("64") and not found("128")
    services.ci_update(actor=config_admin, ci_id=ci.pk, data={"attributes": {"ram_gb": 128}})
    assert found("128") and not found("64")
    assert ci.attribute_values.get().value == "128"
