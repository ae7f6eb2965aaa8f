"""Background tasks of the core (notifications, webhooks); filled in by the notifications work."""
