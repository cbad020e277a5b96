"""What auditors get: every page to read and nothing to change, the event browser, the platform
as of any position in the log, and the ledger account behind each figure."""
