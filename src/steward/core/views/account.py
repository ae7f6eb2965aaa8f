"""Changing one's password, and resetting a forgotten one by email (Django's token views:
the link works once and expires after ``PASSWORD_RESET_TIMEOUT``)."""

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.views import View

from steward.core import audit
from steward.core import inputs as core_inputs
from steward.core.choices import SecurityEventKind
from steward.core.fields import GuardedForm
from steward.core.services.account import password_change
from steward.core.views.patterns import StewardPageMixin, apply_errors

log = logging.getLogger(__name__)


class PasswordChangeForm(GuardedForm):
    inputs = core_inputs.PASSWORD_CHANGE

    current_password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; a long passphrase is best. Paste is fine.",
    )
    new_password_again = forms.CharField(
        strip=False,
        label="New password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two new passwords differ.")
        return data


class PasswordChangeView(StewardPageMixin, View):
    template = "core/form.html"
    posted_form = PasswordChangeForm

    def _render(self, form: PasswordChangeForm) -> HttpResponse:
        return render(
            self.request,
            self.template,
            {
                "title": "Change your password",
                "form": form,
                "submit_label": "Change password",
                "cancel_url": reverse("core:me"),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(PasswordChangeForm(actor=self.actor))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PasswordChangeForm(request.POST, actor=self.actor)
        if form.is_valid():
            try:
                password_change(
                    actor=self.actor,
                    current_password=form.cleaned_data["current_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                update_session_auth_hash(request, self.actor)
                messages.success(request, "Your password has been changed.")
                return HttpResponseRedirect(reverse("core:me"))
        return self._render(form)


class LogoutView(auth_views.LogoutView):
    """Signing out also tells the browser to drop what it kept of the session's pages
    (ASVS V14.3.1): cached pages and any site storage."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class SafePasswordResetForm(PasswordResetForm):
    """Mail problems never turn into an error page that would tell whether the address
    belongs to someone; they are logged for the administrator instead."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().send_mail(*args, **kwargs)
        except Exception:  # any mail backend failure
            log.exception("Could not send a password reset email.")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = SafePasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("core:password-reset-done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # The address given, not whether it matched anyone (that would leak accounts).
        audit.record(
            SecurityEventKind.PASSWORD_RESET_REQUESTED,
            request=self.request,
            detail=f"For {form.cleaned_data['email'][:200]}",
        )
        # Links are built on SITE_URL, never on the request's Host header (which an
        # attacker could set to their own domain).
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("core:password-reset-complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(SecurityEventKind.PASSWORD_RESET, request=self.request, actor=form.user)
        return response


urlpatterns = [
    path("me/password/", PasswordChangeView.as_view(), name="password-change"),
    path("password-reset/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
