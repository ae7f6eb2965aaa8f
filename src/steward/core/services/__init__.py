"""Core write services: every write to the core building blocks goes through here."""
