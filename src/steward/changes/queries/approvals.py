"""Change Management: the change manager's review and the approvals (proc. 3)."""
