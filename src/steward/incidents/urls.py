from steward.core.views.patterns import topic_urls

app_name = "incidents"

urlpatterns = topic_urls(
    "steward.incidents.views",
    "queues",
    "registration",
    "record",
    "links",
    "panel",
    "portal",
    "solutions",
    "reports",
    "mail",
    "routing",
)
