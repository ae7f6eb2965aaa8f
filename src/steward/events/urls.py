from steward.core.views.patterns import topic_urls

app_name = "events"

urlpatterns = topic_urls(
    "steward.events.views",
    # --- console: the operator console, all events and the event page
    "console",
    "events",
    # --- config: sources, event types, CI match and correlation rules
    "sources",
    "rules",
    # --- reviews: the event review and the outage review (proc. 2, 3)
    "reviews",
)
