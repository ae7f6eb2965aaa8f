"""Reads of Configuration Management, restricted to what the actor may see; one module
per topic, named as in services/, filters/, api/, views/ and forms/."""
