"""Errors the service layer raises; pages, API and CLI each turn them into their own answer.

Validation problems raise ``django.core.exceptions.ValidationError`` (field messages),
refusals raise ``django.core.exceptions.PermissionDenied``, unknown or invisible
records raise ``django.http.Http404``.
"""


class DomainError(Exception):
    """A rule of the process forbids what was asked."""


class InvalidTransition(DomainError):
    def __init__(self, workflow: str, old: str, new: str) -> None:
        super().__init__(f"{workflow}: cannot go from {old!r} to {new!r}.")
        self.workflow, self.old, self.new = workflow, old, new


class PayloadTooLarge(DomainError):
    """An upload is over the configured size limit (HTTP 413)."""
