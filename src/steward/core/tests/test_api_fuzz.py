"""Schemathesis over the OpenAPI schema: no answer is a 5xx, every answer conforms.

Each operation of ``/api/schema/`` gets ``EXAMPLES`` generated requests (valid ones, and
for the administrator also invalid ones; fewer for the customer-side person), sent in-process to the WSGI app (no server) with
an API token, and each answer is checked: not a server error, status code documented for
the operation, body as the schema says for that status (errors included, in the one error
shape: ``core.schema.document_errors``), content type as documented. The data is the demo data set, so ``{id}`` names real records (and sometimes
any number); every request runs in a savepoint that is rolled back, so each one meets the
same records, and the test's own transaction is rolled back at the end. Hypothesis runs
derandomized with no example database: the same requests every run.
"""

import json
import traceback
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from steward.core.api_auth import token_create
from steward.core.models import Person

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
# Generated requests per operation in each run: about 1,300 in all (it was 10 per run,
# about 3,000 requests and 4 minutes of the PostgreSQL half). The trade-off: the ~300
# operations are alike in threes and fours (list, detail, create, update, the steps of one
# viewset, on the same serializers and permission checks), so a bug in what they share is
# met by several of them whatever the count; what a lower count may miss is a rarer input
# of one operation's own fields. Every operation still gets valid requests as the
# administrator (its explicit examples first, then generated ones) and invalid ones, and
# valid ones as a customer-side person, for whom most answers are the same 403/404 and
# three requests say as much as ten.
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 5}
CUSTOMER_EXAMPLES = 3
RUNS = [
    ("admin", GenerationMode.POSITIVE),
    ("admin", GenerationMode.NEGATIVE),
    # A customer-side person: what they may not see or do must still be a clean 4xx.
    ("ruben.northwind", GenerationMode.POSITIVE),
]


class SavepointPerRequest:
    """The WSGI app, each request in a savepoint rolled back afterwards.

    The request must not close the test's connection (it holds the test's transaction):
    the ``close_old_connections`` signal handlers are off while the test runs, as the
    Django test client does for each request.
    """

    def __init__(self, crashes: list[str]) -> None:
        self.handler = WSGIHandler()
        self.crashes = crashes

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        savepoint = transaction.savepoint()
        try:
            response = self.handler(environ, start_response)
            body = b"".join(response)
            response.close()
        finally:
            transaction.savepoint_rollback(savepoint)
        return [body]

    def crashed(self, sender: Any, **kwargs: Any) -> None:
        self.crashes.append(traceback.format_exc())


@cache
def raw_schema() -> dict[str, Any]:
    # What /api/schema/ serves, generated the same way.
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(None, True)))


def ids_for(path: str, actor: Person) -> list[int]:
    """A few ids of records ``actor`` may see, for the ``{id}`` of ``path``."""
    try:
        match = resolve(path.replace("{id}", "1").split("{", 1)[0])
    except Resolver404:
        return []
    query = getattr(getattr(match.func, "cls", None), "query", None)
    if query is None:
        return []
    return list(query(actor).order_by("pk").values_list("pk", flat=True)[:4])


def strategy_for(operation: Any, mode: GenerationMode, actor: Person) -> st.SearchStrategy:
    """Cases for ``operation``: its ``{id}`` names one of the actor's records, or anything."""
    anything = operation.as_strategy(generation_mode=mode)
    if "{id}" not in operation.path:
        return anything
    known = [
        operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})
        for pk in ids_for(operation.path, actor)
    ]
    return st.one_of(*known, anything)


@pytest.fixture(scope="module")
def demo_keys(_shared_demo, django_db_blocker, tmp_path_factory) -> Iterator[dict[str, str]]:
    """An API key per person of ``RUNS`` over the shared demo, made once for the module's
    three runs (each in a savepoint of the module's savepoint, rolled back at its end)."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), transaction.atomic(), media:
        admin = Person.objects.get(username="admin")
        keys = {}
        for username in {who for who, _ in RUNS}:
            person = Person.objects.get(username=username)
            keys[username] = token_create(actor=admin, name="schemathesis", person=person)[1]
        yield keys
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_keys) -> Iterator[dict[str, str]]:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield demo_keys
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.fuzz
@pytest.mark.parametrize(("who", "mode"), RUNS, ids=[f"{w}-{m.value}" for w, m in RUNS])
def test_every_answer_is_no_server_error_and_conforms_to_the_schema(demo, who, mode):
    crashes: list[str] = []
    app = SavepointPerRequest(crashes)
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_dict(raw_schema(), config=config)
    schema.app = app
    actor = Person.objects.get(username=who)
    headers = {"Authorization": f"Token {demo[who]}"}
    failures: dict[str, str] = {}
    signals.got_request_exception.connect(app.crashed)
    try:
        for result in schema.get_all_operations():
            operation = result.ok()

            @settings(
                max_examples=EXAMPLES[mode] if who == "admin" else CUSTOMER_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(strategy_for(operation, mode, actor))
            def check(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            del crashes[:]
            try:
                check()
            except Unsatisfiable:
                continue  # no invalid request exists for an operation without input
            except (Exception, FailureGroup) as exc:
                failures[operation.label] = str(exc)[:3000] + "".join(crashes[-1:])
    finally:
        signals.got_request_exception.disconnect(app.crashed)
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
