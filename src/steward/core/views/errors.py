"""Django's error views (``handler404``/``handler500``...) and the CSRF failure view: under
/api/ they answer in the API's one error shape (``core.errors.error_response``), so no
client ever has to parse an HTML page; everywhere else Django's own pages."""

from django.http import HttpRequest, HttpResponse
from django.views import csrf, defaults

from steward.core import audit
from steward.core.choices import SecurityEventKind
from steward.core.errors import error_response

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(400, "parse_error", "The request is malformed.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(
            403, "permission_denied", "You do not have permission to perform this action."
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Nothing about the exception goes out: it is in the log and the error report.
    if is_api(request):
        return error_response(500, "error", "Server Error (500)")
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The CSRF failure view: recorded in the security log, then 403 in the error shape
    under /api/ (a session-authenticated write without the token), Django's page elsewhere."""
    audit.record(SecurityEventKind.CSRF_FAILED, request=request, detail=reason)
    if is_api(request):
        return error_response(
            403, "csrf_failed", "CSRF check failed: send the X-CSRFToken header, or use a token."
        )
    return csrf.csrf_failure(request, reason=reason)
