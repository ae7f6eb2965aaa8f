"""Login lockouts in force, for administrators, with a button to lift each one."""

from typing import Any

from django.urls import path, reverse_lazy
from django.views.generic import TemplateView

from steward.core import lockout, queries
from steward.core.services.lockouts import lockout_release
from steward.core.views.patterns import ServicePostView, StewardPageMixin


class LockoutListView(StewardPageMixin, TemplateView):
    permission = "core.lockout.change"
    template_name = "core/lockout_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            title="Login lockouts",
            lockouts=queries.lockouts_for(self.actor),
            rules=[(rule, lockout.limit(rule)) for rule in lockout.RULES],
            cool_off_minutes=int(lockout.cool_off().total_seconds() // 60),
        )
        return context


class LockoutReleaseView(ServicePostView):
    """POST ``username`` and/or ``ip_address``: lift that lockout."""

    permission = "core.lockout.change"
    success_url = reverse_lazy("core:lockout-list")

    def perform(self) -> str:
        username = self.request.POST.get("username", "")
        ip_address = self.request.POST.get("ip_address", "")
        lifted = lockout_release(actor=self.actor, username=username, ip_address=ip_address)
        who = " from ".join(x for x in (username, ip_address) if x)
        return f"{who} may sign in again ({lifted} lockout{'s' if lifted != 1 else ''})."


urlpatterns = [
    path("lockouts/", LockoutListView.as_view(), name="lockout-list"),
    path("lockouts/release/", LockoutReleaseView.as_view(), name="lockout-release"),
]
