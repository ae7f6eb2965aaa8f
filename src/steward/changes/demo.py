"""Demo data of Change Management, loaded after the CMDB and incident demos."""

from typing import Any


def load(context: dict[str, Any]) -> None:
    """Add the Change Management demo records that are missing."""
