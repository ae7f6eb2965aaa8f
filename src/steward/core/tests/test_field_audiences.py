"""Issue 10, item 2: every free-text field says, in the form and in the OpenAPI
description, who will read it ("Internal: seen by staff only", "Sent to the requester"...).

Generated from the schema's request serializers and the forms pages take by POST: a field
of prose (an API text without a length limit, a form's text area) must declare its
audience (``steward.core.fields``); the sentence must be in the description API clients
read and on the page, next to the field, where it is typed.
"""

from typing import Any

import pytest
from django import forms
from django.utils.html import escape
from rest_framework import serializers

from steward.core.fields import GuardedForm
from steward.core.testing.urls import url_patterns
from steward.core.tests.field_rules import schema_operations
from steward.core.tests.field_rules_world import world_fixture
from steward.core.tests.test_field_rules_pages import PAGES, _url

# Texts that are data, not prose someone writes for someone to read.
NOT_PROSE = {
    ("CatalogItemWriteSerializer", "visibility"), ("CatalogItemUpdateSerializer", "visibility"),
    ("ServiceLevelTargetWriteSerializer", "priority"), ("TargetSpecSerializer", "priority"),
    ("BaselineForm", "cis"), ("RequisitionForm", "lines"),
}  # fmt: skip


def _is_prose_api(field: serializers.Field) -> bool:
    if type(field) is not serializers.CharField or field.read_only:
        return False
    if field.style.get("input_type") == "password":
        return False
    if any(getattr(v, "__name__", "") == "one_of" for v in field.validators):
        return False  # a choice given as text
    return field.max_length is None or field.max_length > 300


def _api_fields() -> list[tuple[str, str, str, str]]:
    """(serializer, field, its description in the schema, declared audience)."""
    found, seen = [], set()
    for _, _, serializer_class in schema_operations():
        if serializer_class is None or serializer_class in seen:
            continue
        seen.add(serializer_class)
        serializer = serializer_class(context={"request": None})
        for name, field in serializer.fields.items():
            if _is_prose_api(field) and (serializer_class.__name__, name) not in NOT_PROSE:
                rule = serializer_class.inputs.rule_for(name)
                audience = rule.audience if rule else ""
                found.append((serializer_class.__name__, name, str(field.help_text), audience))
    return found


API_FIELDS = _api_fields()


def test_the_free_text_of_every_area_is_found():
    names = {(s, f) for s, f, _, _ in API_FIELDS}
    assert {("IncidentAssignSerializer", "reason"), ("IncidentResolveSerializer", "resolution"),
            ("AgreementSignSerializer", "comment"), ("ContractReasonSerializer", "reason")} <= names  # fmt: skip


@pytest.mark.parametrize(("serializer", "field", "description", "audience"), API_FIELDS,
                         ids=[f"{s}.{f}" for s, f, _, _ in API_FIELDS])  # fmt: skip
def test_every_free_text_of_the_api_says_who_reads_it(serializer, field, description, audience):
    assert audience, f"{serializer}.{field}: declare who reads it"
    assert audience in description


@pytest.mark.parametrize(("name", "params", "form_class"), PAGES, ids=[n for n, _, _ in PAGES])
def test_every_text_area_of_a_page_says_who_reads_it(name, params, form_class):
    for field_name, field in form_class.base_fields.items():
        if not isinstance(field.widget, forms.Textarea):
            continue
        if (form_class.__name__, field_name) in NOT_PROSE:
            continue
        rule = form_class.inputs.rule_for(field_name)
        assert rule is not None and rule.audience, f"{form_class.__name__}.{field_name}"


# --- As shown: the sentence is on the page, next to the field ---------------------------------


def _gettable() -> set[str]:
    names = set()
    for name, pattern in url_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class and "get" in view_class.http_method_names and hasattr(view_class, "get"):
            names.add(name)
    return names


def _form_pages() -> list[tuple[str, str]]:
    """(actor, URL name) of the pages that show a form with text: the form pages of
    ``PAGES`` one opens at the same address, and record pages that embed forms."""
    gettable = _gettable()
    found = {
        ("administrator", name)
        for name, _, form_class in PAGES
        if name in gettable and any(r.audience for r in form_class.inputs.rules.values())
    }
    return sorted(found | EMBEDDED)


# Record pages showing forms that post elsewhere, and who sees them there.
EMBEDDED = {
    ("administrator", "incidents:incident-detail"), ("requester", "incidents:portal-detail"),
    ("representative", "service_level:agreement-detail"),
    ("administrator", "service_level:service-detail"),
    ("administrator", "incidents:solution-detail"),
}  # fmt: skip
PARAMS_OF = {name: params for name, params, _ in PAGES}


world = world_fixture()


def _shown_forms(response: Any) -> list[GuardedForm]:
    found = []
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, GuardedForm) and value not in found:
                found.append(value)
            if isinstance(value, list):  # the incident page's steps
                found += [v["form"] for v in value if isinstance(v, dict)
                          and isinstance(v.get("form"), GuardedForm)]  # fmt: skip
    return found


@pytest.mark.parametrize(("actor_kind", "name"), _form_pages())
def test_each_page_says_who_reads_what_is_typed(db, world, client, actor_kind, name):
    params = PARAMS_OF.get(name, ["pk"] if name in {n for _, n in EMBEDDED} else [])
    url = _url(name, params, world)
    client.force_login(world.actors[actor_kind])
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    shown = _shown_forms(response)
    assert shown, f"{url} shows no form"
    content = response.content.decode()
    for form in shown:
        for field_name in form.fields:
            rule = form.inputs.rule_for(field_name)
            if rule is not None and rule.audience and not form.fields[field_name].widget.is_hidden:
                assert escape(rule.audience) in content, (url, type(form).__name__, field_name)
