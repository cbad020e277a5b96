"""Cities: their currency, time zone, and the matching funds that apply to their pilots."""
