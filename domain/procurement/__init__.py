"""Procurement: what a city buys and funds itself — calls, proposals, departments."""
