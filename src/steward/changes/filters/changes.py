"""Change Management: changes: registration, risk and impact analysis, planning (proc. 1, 2)."""
