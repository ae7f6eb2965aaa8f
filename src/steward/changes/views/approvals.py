"""Change Management: the change manager's review and the approvals (proc. 3)."""

from typing import Any

urlpatterns: list = []


def approvals_section(request: Any, change: Any) -> dict[str, Any]:
    """This topic's part of the change page's context (views/sections.py)."""
    return {}
