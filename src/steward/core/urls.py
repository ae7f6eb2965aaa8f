from steward.core.views.patterns import topic_urls

app_name = "core"

urlpatterns = topic_urls(
    "steward.core.views",
    "shell",
    "directory",
    "calendars",
    "notifications",
    "attachments",
    "health",
    "account",
    "lockouts",
    "saved_views",
    "templates",
)
