"""Change Management: the Change Management KPIs."""
