"""Change Management: production test, back-out and closure (proc. 6)."""
