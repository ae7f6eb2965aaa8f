"""Filter sets of Incident Management, shared by the API and the pages."""
