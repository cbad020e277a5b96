"""Procurement pages and API: calls, proposals, departments and their commitments."""
