"""Helpers for WebSocket tests: sockets against the real ASGI application, driven from sync tests.

channels.testing.WebsocketCommunicator cannot be imported without daphne (channels.testing imports its
live-server helper eagerly), so this is the same small protocol on asgiref's ApplicationCommunicator.
"""

from __future__ import annotations

import json

from asgiref.testing import ApplicationCommunicator
from django.test import Client

from siaga.asgi import application

PATH = "/ws/events/"


class WebsocketCommunicator(ApplicationCommunicator):
    def __init__(self, app, path: str, headers: list[tuple[bytes, bytes]]):
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        super().__init__(app, scope)

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, None

    async def receive_json_from(self, timeout: float = 2) -> dict:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 2) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def cookie_for(user=None, client: Client | None = None) -> bytes | None:
    """The session cookie of a logged-in user (or of `client`'s session), as a header value."""
    if client is None:
        if user is None:
            return None
        client = Client()
        client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(cookie: bytes | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, PATH, headers=headers)


async def open_socket(cookie: bytes | None) -> tuple[WebsocketCommunicator, bool, int | None]:
    comm = socket(cookie)
    connected, code = await comm.connect(timeout=5)
    return comm, connected, code
