"""The action tables of Event Management (``core.actions``): the buttons of the event page
and the console (seed 003 ch. 6 proc. 1), each with its page URL and its
``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

# --- console: acknowledging and closing events (proc. 1) --------------------------------
# (section owned by the console topic: the table EVENT)
from steward.core.actions import Action, ActionTable, leading_to
from steward.events import workflows as _workflows
from steward.events.choices import EventStatus as _E
from steward.events.forms import console as _cforms
from steward.events.queries import events as _event_queries
from steward.events.services import console as _console

_CAPI = "steward.events.api.events"

# fmt: off
EVENT = ActionTable(
    name="event", namespace="events", prefix="events",
    query_one=_event_queries.event_for, record_arg="event_id", actions=[
        Action("acknowledge", "Acknowledge", _console.event_acknowledge, _console.HANDLE,
               (_E.OPEN,), style="primary", done=lambda p: f"{p.record.number} acknowledged.",
               help="You are on it: the other operators see who is.",
               summary="Acknowledge the event: an operator is on it (proc. 1)"),
        Action("link-incident", "Link to an incident request", _console.event_link_incident,
               _console.HANDLE, leading_to(_workflows.EVENT, _E.CLOSED),
               _cforms.EventLinkIncidentForm, serializer=f"{_CAPI}.EventLinkIncidentSerializer",
               arguments=_cforms.link_arguments,
               help="The incident request you registered for it by hand; an assigned request "
               "closes the event.",
               done=lambda p: f"{p.record.number} linked.",
               summary="Link the event to the incident request registered for it (proc. 1)"),
        Action("close", "Close", _console.event_close, _console.HANDLE,
               leading_to(_workflows.EVENT, _E.CLOSED), _cforms.EventCloseForm,
               serializer=f"{_CAPI}.EventCloseSerializer",
               help="Handled: resolved, its incident request assigned, a symptom or planned. "
               "It leaves the list of open events.",
               done=lambda p: f"{p.record.number} closed.",
               summary="Close the handled event: it leaves the open events (proc. 1)"),
    ],
)
# fmt: on

# --- sources: monitoring sources and their tokens (ch. 6) ---------------------------------
# (section owned by the configuration topic: the table SOURCE)
from steward.events.queries import sources as source_queries  # noqa: E402
from steward.events.services import sources as source_services  # noqa: E402

_MANAGE_SOURCES = "events.source.manage"

SOURCE = ActionTable(
    name="source",
    query_one=source_queries.source_for,
    record_arg="source_id",
    services=source_services,
    namespace="events",
    prefix="events/sources",
    actions=[
        # Rotating the token is not a row: its page and endpoint answer the new token,
        # not the record (views/sources.py, api/sources.py).
        Action("deactivate", "Deactivate", "source_deactivate", permission=_MANAGE_SOURCES,
               when=lambda actor, source: source.is_active, style="danger",
               ask="Refuse this source's events from now on?", done="Source deactivated.",
               summary="Stop accepting the source's events (its token is refused)"),
        Action("activate", "Activate", "source_activate", permission=_MANAGE_SOURCES,
               when=lambda actor, source: not source.is_active, done="Source activated.",
               summary="Accept the source's events again, with the token it had"),
    ],
)  # fmt: skip
