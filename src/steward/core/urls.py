from django.urls import include, path

app_name = "core"

# Each views module owns its url patterns; this file only stitches them together.
urlpatterns = [
    path("", include("steward.core.views.shell")),
    path("", include("steward.core.views.directory")),
    path("", include("steward.core.views.calendars")),
    path("", include("steward.core.views.notifications")),
    path("", include("steward.core.views.attachments")),
    path("", include("steward.core.views.health")),
    path("", include("steward.core.views.account")),
    path("", include("steward.core.views.lockouts")),
]
