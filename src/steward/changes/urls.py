from steward.core.views.patterns import topic_urls

app_name = "changes"

urlpatterns = topic_urls(
    "steward.changes.views",
    "rfcs",
    "templates",
    "changes",
    "approvals",
    "tasks",
    "closure",
    "emergency",
    "calendar",
    "kpis",
)
