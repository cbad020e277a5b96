"""The ledger: every money movement as postings between named accounts that sum to zero.

`chart.py` names the accounts, `postings.py` holds the posting and its checks, and
`bookkeeping.py` maps each money event of the log to its postings. The ledger is derived from
the log alone; every money figure the platform shows is the balance of an account.
"""
