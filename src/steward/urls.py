from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("steward.core.urls")),
    path("api/", include("steward.core.api.urls")),
    path("admin/", admin.site.urls),
]
