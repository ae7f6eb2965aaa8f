from django.urls import include, path

app_name = "configuration"

# Each views module owns its url patterns; this file only stitches them together.
urlpatterns = [
    path("", include("steward.configuration.views.cis")),
    path("", include("steward.configuration.views.suppliers")),
    path("", include("steward.configuration.views.contracts")),
    path("", include("steward.configuration.views.requisitions")),
    path("", include("steward.configuration.views.deliveries")),
    path("", include("steward.configuration.views.baselines")),
    path("", include("steward.configuration.views.integrity")),
]
