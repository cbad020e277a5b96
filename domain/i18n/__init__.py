"""The languages civicfund speaks, and which one a city's pages default to."""
