from steward.core.views.patterns import topic_urls

app_name = "configuration"

urlpatterns = topic_urls(
    "steward.configuration.views",
    "cis",
    "suppliers",
    "contracts",
    "requisitions",
    "deliveries",
    "baselines",
    "integrity",
)
