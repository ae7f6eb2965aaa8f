"""Change Management (seed 003 ch. 3): one module a topic (docs/ARCHITECTURE.md, Layout)."""
