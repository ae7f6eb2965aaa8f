"""Change Management: emergency changes (proc. 7, 8)."""

from typing import Any

urlpatterns: list = []


def emergency_section(request: Any, change: Any) -> dict[str, Any]:
    """This topic's part of the change page's context (views/sections.py)."""
    return {}
