"""Change Management: emergency changes (proc. 7, 8)."""
