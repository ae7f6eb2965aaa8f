"""Page forms of Configuration Management; one module per topic, named as in views/."""
