"""Flask front-end: pages, JSON API and the `civicfund` CLI."""
