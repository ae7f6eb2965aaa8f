"""Service Level Management pages; each module owns its url patterns (see ../urls.py)."""
