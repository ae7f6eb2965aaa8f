from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from steward.core.errors import error_response

# Room for the multipart envelope and the other form fields around one file.
ENVELOPE_BYTES = 64 * 1024


class UploadLimitMiddleware:
    """Refuse a request body that cannot fit under the attachment limit, before reading it.

    Answers 413 early so an oversized upload is neither buffered nor written anywhere;
    the attachment service checks the exact file size again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.ATTACHMENT_MAX_BYTES + ENVELOPE_BYTES
        if length > limit:
            message = (
                f"The upload is larger than the limit of {settings.ATTACHMENT_MAX_BYTES} bytes."
            )
            if request.path.startswith("/api/"):
                return error_response(413, "too_large", message)
            return HttpResponse(message, status=413, content_type="text/plain")
        return self.get_response(request)


class NoStoreMiddleware:
    """Signed-in pages and API answers hold service data: browsers and proxies must not
    keep copies (ASVS V14.3.2). Public pages (login, schema, static files) stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        private = request.path.startswith("/api/v1/") or getattr(user, "is_authenticated", False)
        if private and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response
