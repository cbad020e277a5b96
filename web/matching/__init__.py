"""Pages and API for matching funds."""
