"""siaga.core.admission: at most N requests inside the app, the rest queue first come first served,
overload is shed at once as 503 JSON with Retry-After; WebSockets pass through."""

from __future__ import annotations

import asyncio
import json

from siaga.core.admission import Admission


class SlowApp:
    def __init__(self):
        self.inside = 0
        self.peak = 0
        self.order: list[str] = []
        self.gate = asyncio.Event()

    async def __call__(self, scope, receive, send):
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        self.order.append(scope["path"])
        await self.gate.wait()
        self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def call(app, path, typ="http", headers=()):
    sent = []

    async def send(m):
        sent.append(m)

    async def receive():
        return {"type": "http.request", "body": b""}

    await app({"type": typ, "path": path, "headers": list(headers)}, receive, send)
    return sent


def run(coro):
    return asyncio.run(coro)


def test_bounded_concurrency_and_fifo_turns():
    async def main():
        inner = SlowApp()
        app = Admission(inner, concurrency=2, queue=10, max_wait_s=10)
        tasks = []
        for k in range(6):
            tasks.append(asyncio.create_task(call(app, f"/api/{k}")))
            await asyncio.sleep(0)  # arrive one after another
        await asyncio.sleep(0.01)
        assert inner.inside == 2 and len(app.waiters) == 4
        inner.gate.set()
        results = await asyncio.gather(*tasks)
        assert all(r[0]["status"] == 200 for r in results)
        assert inner.peak == 2 and inner.order == [f"/api/{k}" for k in range(6)]
        assert app.active == 0 and not app.waiters

    run(main())


def test_a_full_queue_is_shed_at_once_with_json_503_and_retry_after():
    async def main():
        inner = SlowApp()
        app = Admission(inner, concurrency=1, queue=1, max_wait_s=10)
        t1 = asyncio.create_task(call(app, "/api/a"))
        t2 = asyncio.create_task(call(app, "/api/b"))
        await asyncio.sleep(0.01)
        shed = await asyncio.wait_for(call(app, "/api/c", headers=[(b"accept-language", b"en-US")]), 1)
        start, body = shed
        assert start["status"] == 503
        headers = dict(start["headers"])
        assert headers[b"retry-after"] == b"1" and headers[b"content-type"] == b"application/json"
        assert json.loads(body["body"]) == {
            "detail": "The server is busy. Try again in a moment.",
            "code": "busy",
        }
        page = await call(app, "/ops/")
        assert page[0]["status"] == 503 and b"sibuk" in page[1]["body"]  # Indonesian by default
        inner.gate.set()
        assert [r[0]["status"] for r in await asyncio.gather(t1, t2)] == [200, 200]
        assert app.shed == 2 and inner.order == ["/api/a", "/api/b"]  # shed requests never ran

    run(main())


def test_a_request_that_waits_too_long_gets_503_and_leaves_the_queue():
    async def main():
        inner = SlowApp()
        app = Admission(inner, concurrency=1, queue=10, max_wait_s=0.05)
        t1 = asyncio.create_task(call(app, "/api/a"))
        await asyncio.sleep(0.01)
        late = await call(app, "/api/late")
        assert late[0]["status"] == 503 and not app.waiters
        inner.gate.set()
        await t1
        assert app.active == 0 and (await call(app, "/api/next"))[0]["status"] == 200

    run(main())


def test_a_cancelled_waiter_does_not_leak_a_slot():
    async def main():
        inner = SlowApp()
        app = Admission(inner, concurrency=1, queue=10, max_wait_s=10)
        t1 = asyncio.create_task(call(app, "/api/a"))
        await asyncio.sleep(0.01)
        t2 = asyncio.create_task(call(app, "/api/gone"))
        await asyncio.sleep(0.01)
        t2.cancel()
        await asyncio.sleep(0.01)
        inner.gate.set()
        await t1
        assert app.active == 0 and not app.waiters and "/api/gone" not in inner.order

    run(main())


def test_websockets_pass_through_unqueued():
    async def main():
        seen = []

        async def inner(scope, receive, send):
            seen.append(scope["type"])

        app = Admission(inner, concurrency=1, queue=0)
        app.active = 1  # saturated for HTTP
        await call(app, "/ws/events/", typ="websocket")
        assert seen == ["websocket"]
        assert (await call(app, "/api/x"))[0]["status"] == 503

    run(main())
