"""Pages and API for accounts: registering, signing in, passwords, email confirmation, API
tokens, the Security and Account pages, one's data and its erasure, and the admin pages."""
