"""The core's own entries in the navigation and global search."""

from steward.core import registry

registry.nav("Directory", "People", "core:person-list", "core.person.view", 10)
registry.nav("Directory", "Organisations", "core:organisation-list", "core.organisation.view", 20)
registry.nav("Directory", "Support groups", "core:group-list", "core.group.view", 30)
registry.nav("Administration", "Business calendars", "core:calendar-list", "core.calendar.view", 10)
registry.nav("Administration", "Webhooks", "core:webhook-list", "core.webhook.change", 20)
