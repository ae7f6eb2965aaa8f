from csp.decorators import csp_update
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from steward.core import registry
from steward.core.api import (
    attachments,
    calendars,
    directory,
    lockouts,
    notifications,
    saved_views,
    templates,
    tokens,
)
from steward.core.api.clocks import ClockListView
from steward.core.api.me import MeView
from steward.core.errors import error_response

router = DefaultRouter()
router.include_format_suffixes = False
for module in (
    directory,
    calendars,
    notifications,
    attachments,
    tokens,
    lockouts,
    saved_views,
    templates,
):
    module.register(router)
# Then each area's viewsets, as its AppConfig.ready() registered them (INSTALLED_APPS order).
for add_routes in registry.API_ROUTES:
    add_routes(router)


@csrf_exempt  # like every API view: a token client's POST to a wrong URL is a 404, not CSRF
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Anything else under /api/ answers in the API's error format, not Django's HTML page."""
    return error_response(404, "not_found", "Not found.")


# Swagger UI under the site's Content Security Policy: the split view serves its start-up
# script from its own URL (?script=) instead of inline, and core/api_docs.html moves its
# inline style element to a static file. Only Swagger UI's stylesheet needs more: its
# icons are data: images.
api_docs = csp_update({"img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="core/api_docs.html")
)

urlpatterns = [
    # Single resources beside the router's collections.
    path("v1/me/", MeView.as_view(), name="me"),
    path("v1/clocks/", ClockListView.as_view(), name="clocks"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    re_path(r"^", not_found),  # any rest, newlines included (".*" stops at one)
]
