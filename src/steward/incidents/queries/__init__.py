"""Reads of Incident Management, restricted to what the actor may see."""
