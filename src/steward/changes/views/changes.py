"""Change Management: changes: registration, risk and impact analysis, planning (proc. 1, 2)."""

from typing import Any

urlpatterns: list = []


def impact_section(request: Any, change: Any) -> dict[str, Any]:
    """This topic's part of the change page's context (views/sections.py)."""
    return {}
