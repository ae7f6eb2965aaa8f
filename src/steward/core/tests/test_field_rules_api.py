"""Issue 10, item 1, generated from the API: every writable field of every request
serializer of every POST/PUT/PATCH operation in the OpenAPI schema, for each kind of actor
(requester, customer representative, analyst, specialist, administrator).

A field added later is covered without anyone remembering: it must be declared (who may
set it, ``steward.core.fields``), and each actor then gets the declared outcome: a field
the actor may not set is refused with 400 naming it (or the whole operation is refused with
403/404), and the refused request writes nothing; a field the actor may set is never
refused. One request carries all refused fields and one all allowed fields; each refused
field is then sent alone as well.
"""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import serializers

from steward.core.api.base import GuardedSerializer
from steward.core.tests.api import field_errors
from steward.core.tests.field_rules import (
    is_refusal,
    last_event_id,
    refusal_events,
    schema_operations,
    split,
    writes,
)
from steward.core.tests.field_rules_world import ACTORS, world_fixture

# The record each resource's ``{id}`` points at in the shared world.
RESOURCE_RECORDS = {
    "agreements": "agreement", "calendars": "calendar", "changes": "change", "catalog-item-templates":
    "catalog_template", "catalog-items": "catalog_item", "ci-classes": "ci_class", "cis": "ci",
    "contracts": "contract", "customers": "customer", "groups": "group",
    "incidents": "incident", "organisations": "organisation", "people": "person",
    "purchase-requisitions": "requisition", "relationships": "relationship",
    "routing-rules": "routing_rule", "saved-views": "saved_view",
    "service-level-targets": "target", "services": "service",
    "response-templates": "response_template",
    "solutions": "solution", "suppliers": "supplier", "webhooks": "webhook",
    "webhook-deliveries": "webhook_delivery",
    "change-approvals": "change_approval", "change-tasks": "change_task",
    "requests-for-change": "rfc", "change-templates": "change_template",
    "task-templates": "task_template", "change-policies": "change_policy",
    "planned-events": "planned_event",
    "problems": "problem", "known-errors": "known_error", "problem-candidates": "candidate",
    "releases": "release", "release-requests": "rfc_handling",
    "business-cases": "business_case", "release-policies": "release_policy",
    "cabs": "cab", "cab-meetings": "cab_meeting",
    "release-changes": "plan_item",
    "events": "event",
    # --- events: config topic
    "event-sources": "event_source", "event-types": "event_type",
    "event-match-rules": "match_rule", "event-correlation-rules": "correlation_rule",
    # --- reviews (Event Management): the outage review's record names the request.
    "outage-review": "incident",
}  # fmt: skip


OPERATIONS = [op for op in schema_operations() if op[2] is not None]
IDS = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]


def _writable(serializer_class: type) -> list[str]:
    serializer = serializer_class(context={"request": None})
    return [name for name, field in serializer.fields.items() if not field.read_only]


world = world_fixture()


def test_the_schema_lists_the_writes_of_every_area():
    paths = {path for _, path, _ in OPERATIONS}
    assert {"/api/v1/incidents/", "/api/v1/agreements/{id}/sign/", "/api/v1/cis/{id}/",
            "/api/v1/people/", "/api/v1/solutions/{id}/activate/"} <= paths  # fmt: skip
    assert len(OPERATIONS) > 80


@pytest.mark.parametrize(("method", "path", "serializer_class"), OPERATIONS, ids=IDS)
def test_every_writable_field_says_who_may_set_it(method, path, serializer_class):
    assert issubclass(serializer_class, GuardedSerializer), (
        f"{serializer_class.__name__} must be a GuardedSerializer with an ``inputs`` declaration"
    )
    undeclared = [n for n in _writable(serializer_class) if n not in serializer_class.inputs]
    assert not undeclared, f"{serializer_class.__name__}: declare who may set {undeclared}"


# --- Sending the fields ------------------------------------------------------------------------


def _placeholder(field: serializers.Field) -> Any:
    """A plausible value: the rules are checked before the values, so any will do."""
    if isinstance(field, serializers.BooleanField):
        return True
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return 1
    if isinstance(field, serializers.DecimalField | serializers.FloatField):
        return "1"
    if isinstance(field, serializers.DateTimeField):
        return "2026-01-05T10:00:00Z"
    if isinstance(field, serializers.DateField):
        return "2026-01-05"
    if isinstance(field, serializers.FileField):
        return SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices), "x")
    if isinstance(
        field, serializers.ListField | serializers.ListSerializer | serializers.ManyRelatedField
    ):
        return []
    if isinstance(field, serializers.DictField | serializers.JSONField | serializers.Serializer):
        return {}
    return "x"


def _url(path: str, world: Any) -> str:
    resource = path.split("/")[3]
    if "{id}" in path:
        kind = RESOURCE_RECORDS.get(resource)
        assert kind, f"No record for /api/v1/{resource}/: add one to RESOURCE_RECORDS"
        path = path.replace("{id}", str(world.record(kind).pk))
    if "{position}" in path:
        path = path.replace("{position}", str(world.record("incident_action").position))
    return path


def _record(path: str, world: Any) -> Any:
    kind = RESOURCE_RECORDS.get(path.split("/")[3])
    return world.record(kind) if "{id}" in path and kind else None


def _send(api: Any, method: str, url: str, fields: dict, values: dict) -> Any:
    body = {name: values.get(name) if values.get(name) is not None else _placeholder(fields[name])
            for name in values}  # fmt: skip
    multipart = any(isinstance(fields[n], serializers.FileField) for n in body)
    return getattr(api, method)(url, body, format="multipart" if multipart else "json")


def _refused_as_expected(response: Any, refused: list[str], since: int, written: list) -> str:
    """'' when the answer is the declared one, else what is wrong."""
    if written:
        return f"a refused request wrote to {sorted(set(written))}"
    if response.status_code in (403, 404):
        return ""  # the whole operation is not the actor's
    if response.status_code != 400:
        return f"answered {response.status_code}, not 400 naming {refused}"
    errors = field_errors(response)
    missing = [n for n in refused if not any(is_refusal(m) for m in errors.get(n, []))]
    if missing:
        return f"400 without a refusal of {missing}: {errors}"
    if sorted(refused) not in refusal_events(since):
        return f"the audit log has no refusal of {sorted(refused)}"
    return ""


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize(("method", "path", "serializer_class"), OPERATIONS, ids=IDS)
def test_each_actor_gets_the_declared_outcome_for_each_field(
    db, world, api, media_root, method, path, serializer_class, actor_kind
):
    actor = world.actors[actor_kind]
    record = _record(path, world)
    fields = serializer_class(context={"request": None}).fields
    refused, allowed = split(serializer_class.inputs, _writable(serializer_class), actor, record)
    url = _url(path, world)
    api.as_(actor)

    response = None
    if refused:
        since = last_event_id()
        with writes() as written:
            response = _send(api, method, url, fields, refused)
        problem = _refused_as_expected(response, sorted(refused), since, written)
        assert not problem, f"{actor_kind} {method.upper()} {url}: {problem}"
        if response.status_code == 400 and len(refused) > 1:
            for name in refused:
                since = last_event_id()
                with writes() as written:
                    alone = _send(api, method, url, fields, {name: refused[name]})
                problem = _refused_as_expected(alone, [name], since, written)
                assert not problem, f"{actor_kind} {method.upper()} {url} {name}: {problem}"

    # Refused as a whole (the right is checked before the payload): nothing more to learn.
    if allowed and not (response is not None and response.status_code in (403, 404)):
        response = _send(api, method, url, fields, allowed)
        assert response.status_code < 500, (actor_kind, url, response.status_code)
        errors = field_errors(response) if response.status_code == 400 else {}
        wrongly = {n: m for n, m in errors.items() if n in allowed and any(map(is_refusal, m))}
        assert not wrongly, f"{actor_kind} {method.upper()} {url}: refused {wrongly}"
