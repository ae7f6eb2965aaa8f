"""Configuration Management in the shell (baselines and integrity checks): navigation."""

from steward.core import registry

AREA = "Configuration"
registry.nav(AREA, "Baselines", "configuration:baseline-list", "configuration.ci.view", 60)
registry.nav(
    AREA, "Integrity checks", "configuration:integrity-report", "configuration.ci.view", 70
)
