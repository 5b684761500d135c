"""Admission control for `siaga run`: a bounded number of HTTP requests inside Django at once.

Django's ASGI handler runs every request's synchronous code in a thread of its own, so 200 concurrent
clients mean 200 threads fighting over the GIL and SQLite's single writer, and every request slows down
together. Here at most `concurrency` requests run at a time; the next ones wait their turn, first come
first served, on the event loop (a waiting request costs no thread). When the queue is full, or a request
has waited `max_wait_s`, the answer is an immediate 503 with Retry-After (JSON under /api/) instead of a
request that times out ten seconds later. WebSockets and lifespan pass straight through.

Settings (environment, so that `siaga run --workers N` children read the same): SIAGA_HTTP_CONCURRENCY
(default 8), SIAGA_HTTP_QUEUE (500), SIAGA_HTTP_QUEUE_WAIT_S (30).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections import deque

BUSY = {
    "en": "The server is busy. Try again in a moment.",
    "id": "Server sedang sibuk. Coba lagi sebentar lagi.",
}


def _lang(scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"accept-language":
            first = value.decode("latin-1").split(",")[0].strip().lower()
            return "en" if first.startswith("en") else "id"
    return "id"  # the site's default language


class Admission:
    def __init__(self, app, concurrency: int = 8, queue: int = 500, max_wait_s: float = 30.0):
        self.app = app
        self.concurrency = max(1, int(concurrency))
        self.queue = max(0, int(queue))
        self.max_wait_s = float(max_wait_s)
        self.active = 0
        self.waiters: deque[asyncio.Future] = deque()
        self.shed = 0  # requests answered 503 (diagnostics)
        self.max_depth = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if not await self._enter():
            return await self._busy(scope, send)
        try:
            return await self.app(scope, receive, send)
        finally:
            self._leave()

    async def _enter(self) -> bool:
        if self.active < self.concurrency and not self.waiters:
            self.active += 1
            return True
        if len(self.waiters) >= self.queue:
            return False
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        self.max_depth = max(self.max_depth, len(self.waiters))
        try:
            done, _pending = await asyncio.wait({fut}, timeout=self.max_wait_s)
        except asyncio.CancelledError:  # the client went away or the server stops
            if fut.done() and not fut.cancelled():
                self._leave()  # the slot was handed to us: pass it on
            else:
                self._forget(fut)
            raise
        if fut in done:
            return True  # the slot was handed over by _leave (active unchanged)
        self._forget(fut)
        return False

    def _forget(self, fut: asyncio.Future) -> None:
        with contextlib.suppress(ValueError):
            self.waiters.remove(fut)
        fut.cancel()

    def _leave(self) -> None:
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # hand this slot to the longest waiter
                return
        self.active -= 1

    async def _busy(self, scope, send) -> None:
        self.shed += 1
        text = BUSY[_lang(scope)]
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps({"detail": text, "code": "busy"}).encode()
            ctype = b"application/json"
        else:
            body, ctype = text.encode(), b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", ctype),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"1"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def from_environment(app) -> Admission:
    return Admission(
        app,
        concurrency=int(os.environ.get("SIAGA_HTTP_CONCURRENCY", "8")),
        queue=int(os.environ.get("SIAGA_HTTP_QUEUE", "500")),
        max_wait_s=float(os.environ.get("SIAGA_HTTP_QUEUE_WAIT_S", "30")),
    )


def _application():
    from siaga.asgi import application as inner

    return from_environment(inner)


def __getattr__(name: str):  # `siaga.core.admission:application` for uvicorn, built on first use
    if name == "application":
        app = _application()
        globals()["application"] = app
        return app
    raise AttributeError(name)
