"""Test machinery shared by every area (NetBox-style generated test matrices)."""
