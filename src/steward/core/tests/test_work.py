"""Reply and resolution templates (placeholders filled by plain substitution, shared and
personal, who may change which) and time spent (core.services.work), issue 13."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from steward.core import queries
from steward.core.services import work
from steward.core.tests.factories import staff_fixture

VALUES = {
    "number": "INC000042",
    "title": "Printer & scanner <offline>",
    "requester.first_name": "<script>alert(1)</script>Ann",
    "agent.name": "Dana Desk",
    "service": "",
}


@pytest.mark.parametrize(
    ("text", "as_html", "expected", "unknown"),
    [
        ("Hello {{requester.first_name}}", False, "Hello <script>alert(1)</script>Ann", []),
        (
            "Hello {{requester.first_name}}",
            True,
            "Hello &lt;script&gt;alert(1)&lt;/script&gt;Ann",
            [],
        ),
        ("{{ number }}: {{title}}", True, "INC000042: Printer & scanner &lt;offline&gt;", []),
        ("{{number}} {{nonsense}} {{agent.name}}", False, "INC000042 {{nonsense}} Dana Desk",
         ["nonsense"]),
        ("Service: {{service}}.", False, "Service: .", []),
        # Template syntax in the text is text: never executed.
        ("{% load static %}{{ number|upper }} {# x #}", False,
         "{% load static %}{{ number|upper }} {# x #}", []),
        ("{{requester.__class__}}", False, "{{requester.__class__}}", ["requester.__class__"]),
        ("No placeholders", True, "No placeholders", []),
    ],
)  # fmt: skip
def test_fill_substitutes_known_placeholders_only(text, as_html, expected, unknown):
    filled = work.fill(text, VALUES, as_html=as_html)

    assert filled.text == expected
    assert filled.unknown == unknown


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("15", 15), (90, 90), ("1440", 1440)],
)
def test_time_spent_is_whole_minutes(value, expected):
    assert work.checked_minutes(value) == expected


@pytest.mark.parametrize("value", ["0", "-5", "1441", "1.5", "abc", True])
def test_time_spent_refuses_what_is_no_time(value):
    with pytest.raises(ValidationError) as exc:
        work.checked_minutes(value)
    assert "time_spent" in exc.value.message_dict


analyst_a = staff_fixture("analyst_a", "service_desk_analyst", "ana")
analyst_b = staff_fixture("analyst_b", "service_desk_analyst", "bob")
coordinator = staff_fixture("coordinator", "group_coordinator", "coord")


def test_an_analyst_keeps_personal_templates_others_do_not_see(db, analyst_a, analyst_b):
    mine = work.response_template_create(
        actor=analyst_a, name="Mine", kind="reply", body="Hi {{requester.first_name}}"
    )

    assert not mine.shared
    assert list(queries.response_templates_for(analyst_a)) == [mine]
    assert list(queries.response_templates_for(analyst_b)) == []
    with pytest.raises(Http404):
        work.response_template_update(actor=analyst_b, template_id=mine.pk, data={"name": "x"})
    with pytest.raises(Http404):
        work.response_template_delete(actor=analyst_b, template_id=mine.pk)


def test_only_coordinators_and_managers_share_templates(db, analyst_a, coordinator):
    with pytest.raises(PermissionDenied):
        work.response_template_create(
            actor=analyst_a, name="For all", kind="reply", body="Hi", shared=True
        )
    shared = work.response_template_create(
        actor=coordinator, name="For all", kind="resolution", body="Done: {{title}}", shared=True
    )

    assert shared.shared
    assert shared in queries.response_templates_for(analyst_a)
    with pytest.raises(PermissionDenied):
        work.response_template_update(actor=analyst_a, template_id=shared.pk, data={"body": "x"})
    with pytest.raises(PermissionDenied):
        work.response_template_delete(actor=analyst_a, template_id=shared.pk)
    work.response_template_update(actor=coordinator, template_id=shared.pk, data={"body": "Ok"})
    shared.refresh_from_db()
    assert shared.body == "Ok"


def test_a_template_with_an_unknown_placeholder_is_refused(db, analyst_a):
    with pytest.raises(ValidationError) as exc:
        work.response_template_create(
            actor=analyst_a, name="Typo", kind="reply", body="Hi {{requester.firstname}}"
        )

    assert "{{requester.firstname}}" in exc.value.message_dict["body"][0]


def test_customer_side_people_have_no_templates(db, analyst_a, requester):
    work.response_template_create(actor=analyst_a, name="Mine", kind="reply", body="Hi")

    assert list(queries.response_templates_for(requester)) == []
    with pytest.raises(PermissionDenied):
        work.response_template_create(actor=requester, name="x", kind="reply", body="Hi")
