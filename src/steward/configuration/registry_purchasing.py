"""Configuration Management in the shell (purchasing): navigation, search and My work."""
