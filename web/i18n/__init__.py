"""Pages and mail in the reader's language (Flask-Babel): which language a request gets."""
