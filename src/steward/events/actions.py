"""The action tables of Event Management (``core.actions``): the buttons of the event page
and the console (seed 003 ch. 6 proc. 1), each with its page URL and its
``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

# --- console: acknowledging and closing events (proc. 1) --------------------------------
# (section owned by the console topic: the table EVENT)

# --- sources: monitoring sources and their tokens (ch. 6) ---------------------------------
# (section owned by the configuration topic: the table SOURCE)
from steward.core.actions import Action, ActionTable
from steward.events.queries import sources as source_queries
from steward.events.services import sources as source_services

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
