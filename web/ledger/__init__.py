"""The ledger's API: accounts, balances and postings."""
