"""Alembic revisions for every table civicfund owns, the event store included."""
