"""Change Management: planned events, the change calendar and conflicts."""

from typing import Any

urlpatterns: list = []


def conflicts_section(request: Any, change: Any) -> dict[str, Any]:
    """This topic's part of the change page's context (views/sections.py)."""
    return {}
