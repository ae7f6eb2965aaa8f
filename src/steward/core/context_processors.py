from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from steward.core import permissions
from steward.core.registry import AREA_ORDER, NAV


def active_url(urls: list[str], path: str) -> str | None:
    """The one navigation URL that ``path`` is under: the longest that is a prefix of it
    (/incidents/reports/daily/ is under "Daily review", not also under "Incident requests"
    and "Incident reports"); "/" only for the home page itself."""
    under = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(under, key=len, default=None)


def shell(request: HttpRequest) -> dict[str, Any]:
    """The navigation the current person may use, grouped by process area."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": []}
    areas: dict[str, list[dict[str, str]]] = {}
    for item in sorted(NAV, key=lambda i: i.order):
        if not permissions.has(user, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        areas.setdefault(item.area, []).append({"label": item.label, "url": url, "active": False})
    current = active_url([link["url"] for links in areas.values() for link in links], request.path)
    for links in areas.values():
        for link in links:
            link["active"] = link["url"] == current
    ordered = sorted(
        areas.items(), key=lambda kv: AREA_ORDER.index(kv[0]) if kv[0] in AREA_ORDER else 99
    )
    unread = user.notifications.filter(read_at__isnull=True).count()
    # Customer-side people's home is the portal ("/" sends them there): no "My work" link.
    staff_home = not permissions.is_customer_side(user)
    return {"nav_areas": ordered, "unread_notifications": unread, "staff_home": staff_home}
