"""Procurement on the web: calls, proposals, scoring and award (pages and API)."""
