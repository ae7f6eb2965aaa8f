"""The CMDB in the shell: navigation and global search (CIs by number, name or serial)."""

from typing import Any

from django.db.models import Q

from steward.configuration.queries import cis as queries
from steward.core import permissions, registry
from steward.core.registry import SearchHit

AREA = "Configuration"
registry.nav(AREA, "Configuration items", "configuration:ci-list", "configuration.ci.view", 10)
registry.nav(AREA, "CI classes", "configuration:ci-class-list", "configuration.ci.view", 20)

SEARCH_LIMIT = 10


@registry.search_provider
def search_cis(actor: Any, text: str) -> list[SearchHit]:
    text = text.strip()
    if not text or not permissions.has(actor, "configuration.ci.view"):
        return []
    condition = Q()
    for word in text.split():
        condition &= (
            Q(name__icontains=word) | Q(number__iexact=word) | Q(serial_number__iexact=word)
        )
    qs = queries.cis_for(actor).filter(condition).order_by("name", "pk")[:SEARCH_LIMIT]
    return [
        SearchHit(
            "Configuration items",
            ci.number,
            ci.name,
            ci.get_absolute_url(),
            f"{ci.ci_class.name} · {ci.get_status_display()}",
        )
        for ci in qs
    ]
