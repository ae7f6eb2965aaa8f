"""Configuration Management in the shell (cmdb): navigation, search and My work."""
