"""A team page without a browser: the HTTP request and the widget messages a browser's page sends.

Thirty headless Chromium contexts on a two-core machine measure the browsers more than the server
(they stalled there), so the room benchmark plays most teams with this client and a few with
real browsers.  It speaks what the page's JavaScript speaks to the team's session: it loads the
page (the server renders it), opens the session's websocket, asks for every widget's state
(ipywidgets' ``jupyter.widget.control`` comm), then sets values and clicks buttons with comm
messages and waits for the widgets the session updates.  Only tornado, which the server needs.

    page = await TeamPage.open(link, timeout=60)     # page ready: rendered, connected, widgets known
    await page.set("ws-team", value="Team 07")
    await page.click("ws-sign-in")
    await page.wait_for("ws-status", "Signed in", timeout=60)
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import struct
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]+)"')
DOWNLOAD = re.compile(r'href="data:[^;]+;base64,([^"]+)"')
CONTROL_PROTOCOL = "1.0.0"  # ipywidgets' widget control protocol, as its front end sends it


class TeamPage:
    """One open page: the session's widgets (model id -> state), kept current from the session's messages."""

    def __init__(self, socket: Any, session: str) -> None:
        self.socket, self.session = socket, session
        self.models: dict[str, dict[str, Any]] = {}
        self.changed = asyncio.Event()
        self.reader: asyncio.Task | None = None

    @classmethod
    async def open(cls, link: str, *, timeout: float) -> "TeamPage":
        """Load the page as a browser does and connect to its session; returns once every widget is known."""
        response = await AsyncHTTPClient().fetch(HTTPRequest(link, request_timeout=timeout, connect_timeout=timeout),
                                                 raise_error=True)
        html = response.body.decode("utf-8")
        found = KERNEL_ID.search(html)
        if not found:
            raise RuntimeError(f"the page names no session (HTTP {response.code}): {html[:300]!r}")
        parts = urlsplit(link)
        session = uuid.uuid4().hex
        socket = await websocket_connect(HTTPRequest(
            f"ws://{parts.netloc}/api/kernels/{found.group(1)}/channels?session_id={session}&{parts.query}",
            headers={"Cookie": "; ".join(response.headers.get_list("Set-Cookie"))}, request_timeout=timeout,
            connect_timeout=timeout), max_message_size=64 * 1024 * 1024)
        page = cls(socket, session)
        page.reader = asyncio.create_task(page._read())
        control = uuid.uuid4().hex
        page._send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                   metadata={"version": CONTROL_PROTOCOL})
        page._send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        await page._until(lambda: page.models, timeout)
        return page

    def find(self, dom_class: str) -> str:
        """The model id of the widget with this CSS class (the classes the browser tests use)."""
        for model_id, state in self.models.items():
            if dom_class in state.get("_dom_classes", ()):
                return model_id
        raise LookupError(f"no widget has the class {dom_class!r}")

    def value(self, dom_class: str) -> str:
        return str(self.models[self.find(dom_class)].get("value", ""))

    async def set(self, dom_class: str | None = None, *, model_id: str | None = None, **state: Any) -> None:
        model_id = model_id or self.find(dom_class or "")
        self.models[model_id].update(state)
        self._send("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}})

    async def choose(self, label: str) -> None:
        """Choose ``label`` in the dropdown that offers it (as a person picks an option)."""
        for model_id, state in self.models.items():
            if label in state.get("_options_labels", ()):
                return await self.set(model_id=model_id, index=list(state["_options_labels"]).index(label))
        raise LookupError(f"no dropdown offers {label!r}")

    async def click(self, dom_class: str) -> None:
        self._send("comm_msg", {"comm_id": self.find(dom_class), "data": {"method": "custom",
                                                                          "content": {"event": "click"}}})

    async def wait_for(self, dom_class: str, text: str, timeout: float) -> str:
        """Wait until the widget's value holds ``text``; returns the value."""
        await self._until(lambda: text in self.value(dom_class), timeout,
                          lambda: f"{dom_class} never showed {text!r}; it shows {self.value(dom_class)[:200]!r}")
        return self.value(dom_class)

    async def download(self, dom_class: str) -> bytes:
        """The file behind the download link a widget shows (a data: link, as the team page makes)."""
        found = DOWNLOAD.search(self.value(dom_class))
        if not found:
            raise LookupError(f"{dom_class} shows no download link")
        return base64.b64decode(found.group(1))

    async def close(self) -> None:
        self.socket.close()
        if self.reader:
            self.reader.cancel()

    # -- messages
    def _send(self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        header = {"msg_id": uuid.uuid4().hex, "username": "", "session": self.session, "msg_type": msg_type,
                  "version": "5.3", "date": datetime.now(timezone.utc).isoformat()}
        self.socket.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {},
                                              "content": content, "buffers": [], "channel": "shell"}))

    async def _read(self) -> None:
        try:
            while (text := await self.socket.read_message()) is not None:
                message = json.loads(text if isinstance(text, str) else _binary_message(text))
                data = message.get("content", {}).get("data") or {}
                if message.get("msg_type") != "comm_msg":
                    continue
                if data.get("method") == "update_states":
                    for model_id, model in data.get("states", {}).items():
                        self.models[model_id] = dict(model.get("state", {}))
                elif data.get("method") in ("update", "echo_update"):
                    self.models.setdefault(message["content"]["comm_id"], {}).update(data.get("state", {}))
                self.changed.set()
        finally:
            self.changed.set()  # a wait sees the closed connection at once

    async def _until(self, condition: Any, timeout: float, why: Any = None) -> None:
        async def wait() -> None:
            while not condition():
                self.changed.clear()
                if self.reader and self.reader.done():
                    raise ConnectionError("the session's connection closed")
                await self.changed.wait()
        try:
            await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(why() if why else f"nothing after {timeout:.0f} s") from None


def _binary_message(frame: bytes) -> bytes:
    """The JSON part of a message sent with buffers (Jupyter's binary websocket frame: count, offsets, parts)."""
    count = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{count}I", frame[4:4 + 4 * count])
    return frame[offsets[0]:offsets[1] if count > 1 else None]
