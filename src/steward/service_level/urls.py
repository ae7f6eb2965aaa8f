from steward.core.views.patterns import topic_urls

app_name = "service_level"

urlpatterns = topic_urls(
    "steward.service_level.views", "catalog", "services", "agreements", "customers", "reviews"
)
