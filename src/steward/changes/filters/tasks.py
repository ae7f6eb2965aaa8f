"""Change Management: change tasks and implementation (proc. 4, 5)."""
