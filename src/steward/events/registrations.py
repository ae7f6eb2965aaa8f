"""Event Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
EventsConfig.ready()."""

from steward.core import registry  # noqa: F401

AREA = "Events"
