"""Investment offers on the web: the API and the pages."""
