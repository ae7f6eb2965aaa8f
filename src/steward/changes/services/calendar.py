"""Change Management: planned events, the change calendar and conflicts."""
