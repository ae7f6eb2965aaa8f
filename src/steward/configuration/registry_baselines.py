"""Configuration Management in the shell (baselines): navigation, search and My work."""
