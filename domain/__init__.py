"""The civicfund domain: pure Python on the standard library and eventsourcing only."""
