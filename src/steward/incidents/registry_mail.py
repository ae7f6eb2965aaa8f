"""Incident Management in the shell (mail): navigation, search and My work."""

from steward.core import registry

AREA = "Service desk"
registry.nav(AREA, "Inbound mail", "incidents:mail-list", "incidents.mail.view", 80)
