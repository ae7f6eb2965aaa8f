from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from steward.core.api import attachments, calendars, directory, notifications, tokens

router = DefaultRouter()
router.include_format_suffixes = False
# Each area's api module adds its viewsets; later areas are appended here.
for module in (directory, calendars, notifications, attachments, tokens):
    module.register(router)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
