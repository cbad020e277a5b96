"""Procurement pages and API: calls, proposals, scoring and award, departments and their
commitments."""
