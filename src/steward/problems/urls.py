from steward.core.views.patterns import topic_urls

app_name = "problems"

urlpatterns = topic_urls(
    "steward.problems.views",
    "problems",
    "review",
    "candidates",
    "analysis",
    "known_errors",
    "kpis",
)
