"""Helpers of the generated field-rule tests: what a request may write when it is refused,
placeholder values, and the expected outcome of a field for an actor (issue 10, item 1)."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from steward.core import permissions
from steward.core.fields import NOT_HERE, REFUSED, UNKNOWN, Inputs, Rule
from steward.core.models import SecurityEvent

REFUSALS = (REFUSED, UNKNOWN, NOT_HERE)
# A refused request may leave these behind: the audit trail of the refusal, the session.
BOOKKEEPING = {"core_securityevent", "django_session"}
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@contextmanager
def writes() -> Iterator[list[str]]:
    """The tables written to inside the block (bookkeeping left out)."""
    tables: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield tables
    for query in captured.captured_queries:
        match = _WRITE.match(query["sql"])
        if match and match.group(1) not in BOOKKEEPING:
            tables.append(match.group(1))


def is_refusal(message: str) -> bool:
    """A refusal message: on the field itself, or on the form naming the field."""
    return any(text in str(message) for text in REFUSALS)


def split(inputs: Inputs, names: list[str], actor: Any, record: Any) -> tuple[dict, dict]:
    """(refused, allowed): each field name -> the value to send.

    A field the actor may not set at all is refused whatever its value; one the actor may
    set only to some values (``customer_values``) is refused with a value outside them and
    allowed with one of them.
    """
    refused: dict[str, Any] = {}
    allowed: dict[str, Any] = {}
    for name in names:
        rule: Rule | None = inputs.rule_for(name)
        assert rule is not None, f"{inputs.label}: {name} has no declaration"
        if not rule.permits(actor, record):
            refused[name] = None
        elif permissions.is_customer_side(actor) and rule.customer_values is not None:
            inside = sorted(rule.customer_values, key=str)[0]
            refused[name] = _outside(rule.customer_values)
            allowed[name] = inside
        else:
            allowed[name] = None
    return refused, allowed


def _outside(values: frozenset) -> Any:
    if True in values:
        return False
    return "phone" if "phone" not in values else "x"


def refusal_events(since: int) -> list[list[str]]:
    """The refused field lists the audit log recorded after event ``since``."""
    return [
        sorted(e.data.get("fields", []))
        for e in SecurityEvent.objects.filter(pk__gt=since, kind="permission_denied")
        if e.data.get("fields")
    ]


def last_event_id() -> int:
    last = SecurityEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def schema_operations(methods: tuple[str, ...] = ("post", "put", "patch")) -> list[tuple]:
    """(method, path, request serializer class or None) of the API's operations."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    components = {c.name: c.object for c in generator.registry._components.values()}
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in methods:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            ref = next((c["schema"].get("$ref") for c in content.values()), None)
            serializer = type(components[ref.rsplit("/", 1)[1]]) if ref else None
            found.append((method, path, serializer))
    return sorted(found, key=lambda op: (op[1], op[0]))
