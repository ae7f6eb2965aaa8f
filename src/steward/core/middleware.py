from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

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
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain")
        return self.get_response(request)
