from django.urls import include, path

app_name = "incidents"

# Each views module owns its url patterns; this file only stitches them together.
urlpatterns = [
    path("", include("steward.incidents.views.queues")),
    path("", include("steward.incidents.views.registration")),
    path("", include("steward.incidents.views.record")),
    path("", include("steward.incidents.views.portal")),
    path("", include("steward.incidents.views.solutions")),
    path("", include("steward.incidents.views.reports")),
    path("", include("steward.incidents.views.mail")),
]
