"""Public pages, and the API's read of a project, kept while the database stays as it was.

A pilot's page (or its API answer) for a visitor who is not signed in depends on the database,
the address, the language the request asks for, the host it was asked on and the minute (a
campaign's time left). On PostgreSQL a snapshot (`pg_current_snapshot()`) says exactly which
transactions a read sees: two reads under the same snapshot see the same data in every table.
So a page kept under the snapshot its data was read after is the page a fresh render would
give, for as long as the snapshot is unchanged; any write anywhere (a pledge, a comment, a
renamed account, a picture) changes it. The saving: one small statement instead of the page's
own statement and its template (about a fifth of the instructions).

Only plain visits are kept: no cookie but the language one, no credentials, no `?lang=` pick
(which sets the cookie). Anyone signed in, and every form answer, is rendered for them. A page
is kept from its second visit: a page seen once costs nothing extra. Not on SQLite, which has
no such snapshot (and no round trip to save). `KEPT_PAGES=False` in the app's config turns it
off (bench/pledges.py measures rendered pages so)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app, request

from web.i18n.locale import COOKIE as LANGUAGE_COOKIE
from web.services import platform

KEPT_PAGES = 256  # per process; a pilot page is about 20 KB
SEEN = 4096


class PageCache:
    def __init__(self, size: int = KEPT_PAGES):
        self.size = size
        self._pages: OrderedDict[tuple, tuple[str, int]] = OrderedDict()
        self._seen: OrderedDict[tuple, None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def page(self, render: Callable[[], tuple[str, int]]) -> tuple[str, int]:
        address = _plain_visit() if current_app.config.get("KEPT_PAGES", True) else None
        if address is None:
            return render()
        with self._lock:
            seen_before = address in self._seen
            self._seen[address] = None
            self._seen.move_to_end(address)
            if len(self._seen) > SEEN:
                self._seen.popitem(last=False)
        if not seen_before:
            return render()
        snapshot = platform().read.database_snapshot()
        if snapshot is None:
            return render()
        key = (snapshot, *address)
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
                self.hits += 1
                return kept
        body, status = render()
        if status == 200:
            with self._lock:
                self._pages[key] = (body, status)
                if len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return body, status


def kept_pages() -> PageCache:
    """This app's kept pages (each app its own: tests run many apps on many databases)."""
    return current_app.extensions.setdefault("civicfund_kept_pages", PageCache())


def _plain_visit() -> tuple[Any, ...] | None:
    """What a page for a visitor who is not signed in depends on besides the database, or
    None when the request is not such a visit. Read from the WSGI environment as it arrives
    (after ProxyFix): the address as asked, the host and scheme, the languages asked for."""
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    if (environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ
            or "lang" in query):
        return None
    if any(name != LANGUAGE_COOKIE for name in request.cookies):
        return None
    minute = int(platform().clock.now().timestamp() // 60)
    return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), query,
            environ.get("wsgi.url_scheme", ""), environ.get("HTTP_HOST", ""),
            environ.get("SERVER_NAME", ""), environ.get("SERVER_PORT", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""), request.cookies.get(LANGUAGE_COOKIE, ""),
            minute)
