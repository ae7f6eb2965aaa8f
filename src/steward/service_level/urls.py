from steward.core.views.patterns import topic_urls

app_name = "service_level"

urlpatterns = topic_urls(
    "steward.service_level.views",
    "catalog",
    "request_types",
    "services",
    "agreements",
    "customers",
    "reviews",
)
