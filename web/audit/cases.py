"""Auditors' cases as the log records them (Account.CaseGranted: ids, reason, expiry), listed on
the admin's cases page and the auditor console."""

from __future__ import annotations

from adapters.event_log_queries import EventFilter, EventLog, LoggedEvent
from web.services import platform


def case_events(limit: int = 1000) -> list[LoggedEvent]:
    """The cases granted, newest first."""
    p = platform()
    found = EventLog(p.app, p.engine).events(EventFilter(topic="Account.CaseGranted"),
                                              limit=limit)
    return sorted(found, key=lambda event: -event.position)
