"""Change Management: requests for change and their review (proc. 1)."""
