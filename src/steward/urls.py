from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from steward.core.views.account import LogoutView

# Under /api/ the error answers are JSON in the API's error shape.
handler400 = "steward.core.views.errors.bad_request"
handler403 = "steward.core.views.errors.permission_denied"
handler404 = "steward.core.views.errors.page_not_found"
handler500 = "steward.core.views.errors.server_error"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("", include("steward.core.urls")),
    path("", include("steward.service_level.urls")),
    path("", include("steward.configuration.urls")),
    path("", include("steward.incidents.urls")),
    path("", include("steward.changes.urls")),
    path("", include("steward.problems.urls")),
    path("", include("steward.releases.urls")),
    path("", include("steward.events.urls")),
    path("api/", include("steward.core.api.urls")),
    path("admin/", admin.site.urls),
]
