from django.urls import include, path

app_name = "service_level"

# Each views module owns its url patterns; this file only stitches them together.
urlpatterns = [
    path("", include("steward.service_level.views.catalog")),
    path("", include("steward.service_level.views.services")),
    path("", include("steward.service_level.views.agreements")),
    path("", include("steward.service_level.views.customers")),
    path("", include("steward.service_level.views.reviews")),
]
