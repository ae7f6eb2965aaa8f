"""Configuration Management in the shell (suppliers): navigation, search and My work."""
