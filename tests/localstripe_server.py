"""localstripe (a fake, stateful Stripe API) served from this process for the tests.

Its own CLI listens on every interface and keeps its state in /tmp/localstripe.pickle; here its
aiohttp app runs on 127.0.0.1 only, on a free port, in an event loop of its own thread, and its
state stays in memory.
"""

from __future__ import annotations

import asyncio
import atexit
import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web


class LocalStripe:
    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        from localstripe.resources import store
        from localstripe.server import app

        # Keep the state in memory instead of the shared /tmp/localstripe.pickle.
        store.dump_to_disk = lambda: None
        self._thread.start()
        self._call(self._serve(app))

    async def _serve(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    def reset(self) -> None:
        """Forget every object (localstripe's DELETE /_config/data)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("DELETE", "/_config/data")
            assert connection.getresponse().status == 200
        finally:
            connection.close()

    def stop(self) -> None:
        from localstripe.resources import store

        if self._runner is not None:
            self._call(self._runner.cleanup())
        # localstripe schedules webhook deliveries that sleep a second; drop them.
        self._call(self._cancel_pending())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        store.__dict__.pop("dump_to_disk", None)
        store.clear()

    async def _cancel_pending(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)


_shared: LocalStripe | None = None


@contextmanager
def running_localstripe() -> Iterator[LocalStripe]:
    """The one localstripe of this test process, emptied. localstripe's aiohttp app is a single
    object that binds to the first event loop serving it, so a second server (another test
    module's) could never start: one is started on first use and stopped at exit."""
    global _shared
    if _shared is None:
        _shared = LocalStripe()
        _shared.start()
        atexit.register(_shared.stop)
    _shared.reset()
    yield _shared
