"""Pages of Incident Management (seed 003 ch. 8); one module per part."""
