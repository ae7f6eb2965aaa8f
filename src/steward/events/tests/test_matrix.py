"""The generated access and write matrix (core/testing/matrix.py) for events: provider
staff read them, customer-side people and people without a role are refused, operators
take the console's steps and the service desk may not."""

from typing import Any

from steward.core.testing.matrix import Case, MatrixTests, Pages, Step, World, unique
from steward.events.models import Event
from steward.events.tests.console_records import a_source, make_event, register_incident


def event(world: World) -> Event:
    """An open event of a monitor, still firing, with no CI matched."""
    return make_event(a_source(), None, fingerprint=f"matrix-{unique()}")


def closed(world: World) -> Event:
    return make_event(a_source(), None, status="closed", active=False)


def incident_payload(world: World) -> dict[str, Any]:
    return {"incident": register_incident(world.admin, title=f"Disk full {unique()}").pk}


# The operator's steps: the service desk sees events but may not handle them; a closed
# event takes none of them.
OPERATOR = {"allowed": "operator", "denied": "analyst", "wrong_state": closed}

EVENT = Case(
    "event",
    Event,
    event,
    api="event",
    sees=("analyst", "specialist", "operator", "admin"),
    refused=("requester", "representative", "no_role"),
    steps=(
        Step("acknowledge", event, status="acknowledged", **OPERATOR),
        Step("close", event, status="closed", payload={"note": "A test probe"}, **OPERATOR),
        Step("link-incident", event, status="open", payload=incident_payload, **OPERATOR),
    ),
    pages=Pages("events:event", sees=("analyst", "operator"), refused=("requester",)),
)


class TestEventsMatrix(MatrixTests):
    cases = [EVENT]
