"""Procurement: calls, proposals and the cost-benefit analysis that proves a pilot's value."""
