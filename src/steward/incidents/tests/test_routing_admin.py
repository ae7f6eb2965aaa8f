"""Issue 13: routing rules, categories and the priority matrix have pages (list, add,
change, disable, remove; the matrix as a grid) that go through the services, journal the
change, and are for whoever maintains them: an analyst gets 403, a requester 403 too."""

import pytest
from django.urls import reverse

from steward.core.choices import JournalKind
from steward.core.models import JournalEntry
from steward.incidents.models import Category, PriorityMatrixEntry, RoutingRule
from steward.incidents.services import routing

pytestmark = pytest.mark.django_db

PAGES = [
    ("incidents:routing-rule-list", ()),
    ("incidents:routing-rule-create", ()),
    ("incidents:category-list", ()),
    ("incidents:category-create", ()),
    ("incidents:priority-matrix", ()),
]


def journal_of(record) -> list[JournalEntry]:
    return list(
        JournalEntry.objects.filter(record_id=record.pk, record_type__model=record._meta.model_name)
    )


@pytest.fixture
def rule(server_group):
    return RoutingRule.objects.create(name="Mail to servers", support_group=server_group)


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_the_administration_pages_are_for_maintainers(
    client, admin_person, analyst, requester, name, args
):
    url = reverse(name, args=args)
    client.force_login(admin_person)
    assert client.get(url).status_code == 200
    for refused in (analyst, requester):
        client.force_login(refused)
        assert client.get(url).status_code == 403


def test_an_analyst_can_neither_add_change_nor_remove_a_rule(client, analyst, rule, server_group):
    client.force_login(analyst)
    added = client.post(
        reverse("incidents:routing-rule-create"),
        {"name": "Sneaky", "order": 1, "support_group": server_group.pk},
    )
    changed = client.post(reverse("incidents:routing-rule-edit", args=[rule.pk]), {"name": "X"})
    removed = client.post(reverse("incidents:routing-rule-delete", args=[rule.pk]))
    disabled = client.post(reverse("incidents:routing-rule-toggle", args=[rule.pk]))
    matrix = client.post(reverse("incidents:priority-matrix"), {"cell_1_1": "4"})
    assert [r.status_code for r in (added, changed, removed, disabled, matrix)] == [403] * 5
    rule.refresh_from_db()
    assert (rule.name, rule.is_active, RoutingRule.objects.count()) == ("Mail to servers", True, 1)
    assert not PriorityMatrixEntry.objects.exists()


def test_the_administration_is_in_the_navigation_only_for_maintainers(
    client, admin_person, analyst
):
    client.force_login(admin_person)
    page = client.get(reverse("incidents:routing-rule-list")).content.decode()
    for name in ("incidents:routing-rule-list", "incidents:category-list",
                 "incidents:priority-matrix"):  # fmt: skip
        assert f'href="{reverse(name)}"' in page
    client.force_login(analyst)
    page = client.get(reverse("incidents:incident-list")).content.decode()
    assert reverse("incidents:priority-matrix") not in page


def test_an_administrator_adds_edits_disables_and_removes_a_rule(
    client, admin_person, server_group, network_group, service
):
    client.force_login(admin_person)
    response = client.post(
        reverse("incidents:routing-rule-create"),
        {"name": "E-mail to servers", "order": 10, "support_group": server_group.pk,
         "service": service.pk, "keywords": "outlook, mailbox", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    rule = RoutingRule.objects.get()
    assert (rule.service, rule.keywords, rule.is_active) == (service, "outlook, mailbox", True)
    assert [e.kind for e in journal_of(rule)] == [JournalKind.CREATED]
    listing = client.get(reverse("incidents:routing-rule-list")).content.decode()
    assert "E-mail to servers" in listing and "Service: E-mail" in listing

    edit = reverse("incidents:routing-rule-edit", args=[rule.pk])
    form = client.get(edit).context["form"]
    posted = {k: v for k, v in form.initial.items() if v is not None}
    posted.update(support_group=network_group.pk, lock_version=rule.lock_version)
    posted.pop("is_active")
    assert client.post(edit, posted).status_code == 302
    rule.refresh_from_db()
    assert (rule.support_group, rule.is_active) == (network_group, False)
    changed = {e.field for e in journal_of(rule) if e.kind == JournalKind.FIELD_CHANGE}
    assert changed == {"support_group", "is_active"}

    client.post(reverse("incidents:routing-rule-toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active
    client.post(reverse("incidents:routing-rule-delete", args=[rule.pk]))
    assert not RoutingRule.objects.exists()


def test_a_rule_without_a_group_is_a_form_error_not_a_500(client, admin_person):
    client.force_login(admin_person)
    response = client.post(reverse("incidents:routing-rule-create"), {"name": "No group"})
    assert response.status_code == 400
    assert "support_group" in response.context["form"].errors
    assert not RoutingRule.objects.exists()


def test_a_saved_rule_routes_the_next_request(client, admin_person, make_incident, server_group):
    client.force_login(admin_person)
    client.post(
        reverse("incidents:routing-rule-create"),
        {"name": "Printers", "order": 1, "support_group": server_group.pk,
         "keywords": "printer", "is_active": "on"},
    )  # fmt: skip
    routed = make_incident(title="The printer jams")
    assert routed.support_group == server_group and routed.routed_by.name == "Printers"


def test_categories_two_levels_rename_and_disable(client, admin_person):
    client.force_login(admin_person)
    create = reverse("incidents:category-create")
    client.post(create, {"name": "Email", "is_active": "on"})
    email = Category.objects.get(name="Email")
    client.post(create, {"name": "Mailbox", "parent": email.pk, "is_active": "on"})
    mailbox = Category.objects.get(name="Mailbox")
    assert mailbox.parent == email
    third = client.post(create, {"name": "Quota", "parent": mailbox.pk, "is_active": "on"})
    assert third.status_code == 400 and "parent" in third.context["form"].errors
    twin = client.post(create, {"name": "mailbox", "parent": email.pk, "is_active": "on"})
    assert twin.status_code == 400 and "name" in twin.context["form"].errors

    client.post(reverse("incidents:category-toggle", args=[mailbox.pk]))
    mailbox.refresh_from_db()
    assert not mailbox.is_active
    assert [e.field for e in journal_of(mailbox) if e.field] == ["is_active"]
    page = client.get(reverse("incidents:category-list")).content.decode()
    assert "Mailbox" in page and "Disabled" in page


def test_the_matrix_grid_changes_the_priority_of_new_requests(client, admin_person):
    client.force_login(admin_person)
    url = reverse("incidents:priority-matrix")
    form = client.get(url).context["form"]
    posted = {name: form[name].initial for name in form.fields}
    assert posted["cell_3_3"] == "3"
    posted["cell_3_3"] = "1"
    assert client.post(url, posted).status_code == 302
    assert routing.priority_for("3", "3") == "1"
    cell = PriorityMatrixEntry.objects.get(impact="3", urgency="3")
    assert [(e.field, e.old_value, e.new_value) for e in journal_of(cell)][-1:] in (
        [("priority", "3", "1")], [("", "", str(cell))],
    )  # fmt: skip
    bad = client.post(url, {**posted, "cell_1_1": "9"})
    assert bad.status_code == 400 and "cell_1_1" in bad.context["form"].errors


def test_the_matrix_service_refuses_an_analyst(analyst):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        routing.priority_matrix_set(actor=analyst, cells={("1", "1"): "4"})
