"""A button posting one service call that is no row of an action table (lift a lockout,
mark notifications read, revoke one's token): ``ServicePostView``."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views import View

from steward.core.views.patterns.base import StewardPageMixin


class ServicePostView(StewardPageMixin, View):
    """POST: ``perform(**url_kwargs)`` calls the service and gives the success message; a
    refusal (``ValidationError``) comes back as error messages (one a reason, or joined
    when ``split_errors`` is off); either way back to ``success_url``."""

    http_method_names = ["post"]
    success_url: Any = ""  # a path or a reverse_lazy()
    split_errors = True

    def perform(self, **url_kwargs: Any) -> str:
        raise NotImplementedError

    def get_success_url(self) -> str:
        return str(self.success_url)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            text = self.perform(**kwargs)
        except ValidationError as exc:
            for error in exc.messages if self.split_errors else [" ".join(exc.messages)]:
                messages.error(request, error)
        else:
            messages.success(request, text)
        return HttpResponseRedirect(self.get_success_url())
