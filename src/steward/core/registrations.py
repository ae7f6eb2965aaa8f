"""The core's own entries in the navigation and global search."""

from django.db.models import Q

from steward.core import queries, registry
from steward.core.registry import SearchHit

registry.nav("Directory", "People", "core:person-list", "core.person.view", 10)
registry.nav("Directory", "Organisations", "core:organisation-list", "core.organisation.view", 20)
registry.nav("Directory", "Support groups", "core:group-list", "core.group.view", 30)
registry.nav("Administration", "Business calendars", "core:calendar-list", "core.calendar.view", 10)
registry.nav("Administration", "Webhooks", "core:webhook-list", "core.webhook.change", 20)
registry.nav("Administration", "Login lockouts", "core:lockout-list", "core.lockout.change", 30)
registry.nav("Administration", "Outgoing email", "core:kept-mail-list", "core.keptmail.view", 40)

# What a role may be limited to besides a service (which the service level area adds).
registry.role_scope("group", "core.SupportGroup", "Support groups")
registry.role_scope("organisation", "core.Organisation", "Organisations")


@registry.search_provider
def search_people(actor, text: str) -> list[SearchHit]:
    """People by name, username, email or job title, among those the actor may see."""
    fields = ("first_name", "last_name", "username", "email", "job_title")
    order = ("last_name", "first_name", "pk")
    return [
        SearchHit.of(
            "People", p, p.display_name, " · ".join(x for x in (p.job_title, p.email) if x)
        )
        for p in registry.found(actor, text, None, queries.people_for, fields, order=order)
    ]


@registry.search_provider
def search_organisations(actor, text: str) -> list[SearchHit]:
    text = text.strip()
    if not text:
        return []
    qs = queries.organisations_for(actor).filter(
        Q(name__icontains=text) | Q(code__icontains=text) | Q(email__icontains=text)
    )
    return [
        SearchHit.of("Organisations", o, o.name, f"{o.get_kind_display()} · {o.code}")
        for o in qs.order_by("name", "pk")[: registry.SEARCH_LIMIT]
    ]


@registry.search_provider
def search_groups(actor, text: str) -> list[SearchHit]:
    text = text.strip()
    if not text:
        return []
    qs = queries.groups_for(actor).filter(Q(name__icontains=text) | Q(skills__icontains=text))
    return [
        SearchHit.of("Support groups", g, g.name, g.organisation.name)
        for g in qs.order_by("name", "pk")[: registry.SEARCH_LIMIT]
    ]
