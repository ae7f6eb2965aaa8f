"""Background jobs of Configuration Management: scheduled integrity checks, contract
expiry reminders."""
