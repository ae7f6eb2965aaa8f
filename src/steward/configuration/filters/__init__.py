"""Filter sets of Configuration Management, shared by the pages and the API; one module
per topic."""
