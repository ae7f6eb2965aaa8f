"""Change Management: change tasks and implementation (proc. 4, 5)."""

from typing import Any

urlpatterns: list = []


def tasks_section(request: Any, change: Any) -> dict[str, Any]:
    """This topic's part of the change page's context (views/sections.py)."""
    return {}
