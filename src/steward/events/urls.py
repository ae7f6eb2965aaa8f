from steward.core.views.patterns import topic_urls

app_name = "events"

urlpatterns = topic_urls(
    "steward.events.views",
    # --- reviews: the event review and the outage review (proc. 2, 3)
    "reviews",
)
