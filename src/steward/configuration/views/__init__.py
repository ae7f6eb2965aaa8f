"""Pages of Configuration Management (seed 003 ch. 4); one module per part."""
