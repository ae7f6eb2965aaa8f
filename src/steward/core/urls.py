from django.urls import include, path

app_name = "core"

# Each views module owns its url patterns; this file only stitches them together.
urlpatterns = [
    path("", include("steward.core.views.shell")),
]
