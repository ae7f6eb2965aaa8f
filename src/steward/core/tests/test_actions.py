"""Action tables (``core.actions``): one declaration offers only what the actor may do, its
page URLs refuse what the actor may not do and write nothing, a service's refusal lands on
the form (400) or as a message, and every action of every table has its API endpoint with
its schema."""

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from django.views.generic import TemplateView

from steward import urls as site_urls
from steward.core import permissions
from steward.core import queries as core_queries
from steward.core.actions import Action, ActionTable, leading_to
from steward.core.api.actions import ActionEndpoints, request_serializer
from steward.core.api.urls import router
from steward.core.models import Person, SupportGroup
from steward.core.tests.factories import SupportGroupFactory, add_member, make_person
from steward.core.views.patterns import StewardPageMixin, action_urls
from steward.core.workflows import Workflow

CHANGE = "core.group.change"


def group_rename(*, actor: Person, group_id: int, name: str) -> SupportGroup:
    """A service as the areas write them: lock, right, input, write."""
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group_id)
        permissions.require(actor, CHANGE, group)
        if name == "bad":
            raise ValidationError({"name": "Not that name."})
        group.name = name
        group.save(update_fields=["name"])
    return group


def group_retire(*, actor: Person, group_id: int) -> SupportGroup:
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group_id)
        permissions.require(actor, CHANGE, group)
        if group.members.exists():
            raise ValidationError("It still has members.")
        group.is_active = False
        group.save(update_fields=["is_active"])
    return group


class RenameForm(forms.Form):
    name = forms.CharField(max_length=100)


GROUP = ActionTable(
    name="test-group",
    query_one=core_queries.group_for,
    record_arg="group_id",
    status_field="is_active",
    record_url=lambda group: f"/test-groups/{group.pk}/",
    actions=[
        Action(
            "rename",
            "Rename",
            group_rename,
            CHANGE,
            form_class=RenameForm,
            form_takes_actor=False,
            done="Renamed.",
        ),
        Action(
            "retire",
            "Retire",
            group_retire,
            CHANGE,
            statuses=(True,),
            style="danger",
            done="Retired.",
        ),
        Action("wave", "Wave", group_retire, CHANGE, when=lambda actor, group: False),
    ],
)


class GroupPage(StewardPageMixin, TemplateView):
    """The smallest record page: the table's panel."""

    template_name = "core/partials/action_panel.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        record = core_queries.group_for(self.actor, self.kwargs["pk"])
        failed, form = kwargs.get("failed_action", ""), kwargs.get("failed_form")
        return {"record": record, **GROUP.panel(self.actor, record, failed=failed, form=form)}


# The site's URLs (the error pages name them) and the test table's.
handler403 = site_urls.handler403
handler404 = site_urls.handler404
urlpatterns = [
    *site_urls.urlpatterns,
    path("test-groups/<int:pk>/", GroupPage.as_view(), name="test-group-detail"),
    *action_urls(GROUP, page=GroupPage, prefix="test-groups"),
]


@pytest.fixture
def group(db) -> SupportGroup:
    return SupportGroupFactory(name="Network")


@pytest.fixture
def admin(db, provider) -> Person:
    return make_person("system_administrator", organisation=provider)


@pytest.fixture
def analyst(db, provider) -> Person:
    # May see groups, may not change them.
    return make_person("service_desk_analyst", organisation=provider)


def test_a_table_offers_only_what_the_state_the_right_and_the_predicate_allow(
    group, admin, analyst
):
    assert [a.key for a in GROUP.allowed(admin, group)] == ["rename", "retire"]
    assert GROUP.allowed(analyst, group) == []
    group.is_active = False
    assert [a.key for a in GROUP.allowed(admin, group)] == ["rename"]


@pytest.mark.urls("steward.core.tests.test_actions")
def test_the_panel_shows_buttons_and_forms_of_the_allowed_actions_only(client, group, admin):
    client.force_login(admin)
    page = client.get(f"/test-groups/{group.pk}/").content.decode()
    assert f'action="/test-groups/{group.pk}/rename/"' in page
    assert 'id="rename-id_name"' not in page and 'id="rename-name"' in page
    assert 'data-confirm="Retire' in page
    assert "/wave/" not in page


@pytest.mark.urls("steward.core.tests.test_actions")
def test_an_allowed_action_calls_its_service_and_says_so(client, group, admin):
    client.force_login(admin)
    response = client.post(f"/test-groups/{group.pk}/rename/", {"name": "Networks"})
    assert response.status_code == 302
    assert response["Location"] == f"/test-groups/{group.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Renamed."]
    group.refresh_from_db()
    assert group.name == "Networks"


@pytest.mark.urls("steward.core.tests.test_actions")
def test_an_invisible_record_is_404(client, admin):
    client.force_login(admin)
    assert client.post("/test-groups/999999/rename/", {"name": "x"}).status_code == 404


@pytest.mark.urls("steward.core.tests.test_actions")
@pytest.mark.parametrize(
    "who, name, status",
    [("analyst", "Mine", 403), ("admin", "bad", 400)],
    ids=["denied: 403", "refused by the service: 400 on the form"],
)
def test_a_denied_or_refused_action_writes_nothing(request, client, group, who, name, status):
    client.force_login(request.getfixturevalue(who))
    response = client.post(f"/test-groups/{group.pk}/rename/", {"name": name})
    assert response.status_code == status
    if status == 400:
        (step,) = response.context["steps"]
        assert step["open"] and step["form"].errors["name"] == ["Not that name."]
    group.refresh_from_db()
    assert group.name == "Network"


@pytest.mark.urls("steward.core.tests.test_actions")
def test_an_invalid_form_is_400_and_the_service_is_not_called(client, group, admin):
    client.force_login(admin)
    response = client.post(f"/test-groups/{group.pk}/rename/", {"name": ""})
    assert response.status_code == 400
    assert "name" in response.context["steps"][0]["form"].errors


@pytest.mark.urls("steward.core.tests.test_actions")
def test_a_refused_button_comes_back_as_a_message(client, group, admin):
    add_member(group, admin)
    client.force_login(admin)
    response = client.post(f"/test-groups/{group.pk}/retire/")
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["It still has members."]
    group.refresh_from_db()
    assert group.is_active


def test_statuses_can_be_read_from_the_transition_table():
    flow = Workflow.build("t", {"new": {"open"}, "open": {"done", "new"}, "done": set()})
    assert leading_to(flow, "new") == ("open",)
    assert leading_to(flow, "open", "done") == ("new", "open")


def test_two_actions_may_not_share_a_key():
    with pytest.raises(ValueError):
        ActionTable(
            "x", core_queries.group_for, "group_id", [Action("a", "A", str), Action("a", "B", str)]
        )


def _tables() -> list[tuple[str, Any]]:
    return [
        (prefix, viewset)
        for prefix, viewset, _ in router.registry
        if issubclass(viewset, ActionEndpoints)
    ]


def test_some_viewsets_take_their_steps_from_tables():
    assert {"incidents", "catalog-items", "solutions"} <= {prefix for prefix, _ in _tables()}


def test_every_action_of_a_table_has_its_endpoint_with_its_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for prefix, viewset in _tables():
        table = viewset.get_action_table()
        assert f"/api/v1/{prefix}/{{id}}/next-steps/" in schema["paths"]
        for action in table.actions:
            if not action.api:
                continue
            operation = schema["paths"][f"/api/v1/{prefix}/{{id}}/{action.key}/"]["post"]
            assert operation["summary"] == (action.summary or action.label)
            body = request_serializer(table, action)
            assert ("requestBody" in operation) == (body is not None), (prefix, action.key)
            answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
            component = viewset.serializer_class.__name__.removesuffix("Serializer")
            assert answer["$ref"].endswith("/" + component), (prefix, action.key)
