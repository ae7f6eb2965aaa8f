from steward.core.views.patterns import topic_urls

app_name = "events"

urlpatterns = topic_urls(
    "steward.events.views",
    # --- config: sources, event types, CI match and correlation rules
    "sources",
    "rules",
    # --- reviews: the event review and the outage review (proc. 2, 3)
    "reviews",
)
