"""helpdesk at the root, as its standalone install has it, plus DRF's token view so the
bench can authenticate its API calls the way Steward's clients do."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-token-auth/", obtain_auth_token),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
