from steward.core.views.patterns import topic_urls

app_name = "releases"

urlpatterns = topic_urls(
    "steward.releases.views",
    "releases",
    "handling",
    "justification",
    "deployment",
    "kpis",
    "cabs",
)
