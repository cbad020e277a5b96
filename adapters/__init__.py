"""The outside world: storage, read models, payments, accounts."""
