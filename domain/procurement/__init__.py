"""Procurement: what a city buys and funds itself — calls, proposals, departments, and the
cost-benefit analysis that proves a pilot's value."""
