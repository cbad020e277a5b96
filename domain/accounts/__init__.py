"""Accounts as the log knows them: a role and a city, never personal data (that stays in the
accounts table), and erasing a person without breaking the log."""
