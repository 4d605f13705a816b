"""Fixtures: an in-process sandbox, the real twilio SDK pointed at it, a tiny TwiML app."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from werkzeug.serving import make_server

from sandbox import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN
from sandbox.server import SandboxServer

CALLER_ID = "+32477777755"
TWILIO = "https://api.twilio.com"


class SandboxHttpClient(TwilioHttpClient):
    """Sends the SDK's requests to the sandbox by rewriting the API base URL."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(TWILIO):
            url = self.base_url + url[len(TWILIO):]
        return super().request(method, url, *args, **kwargs)


def sdk_client(sb: SandboxServer, token: str | None = None, **kwargs: Any) -> Client:
    return Client(sb.account_sid, token or sb.auth_token,
                  http_client=SandboxHttpClient(sb.base_url, **kwargs))


class WebApp:
    """A Flask app of the test's own, served on a free port; records every request."""

    def __init__(self) -> None:
        self.app = Flask("twiml-test-app")
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.app.before_request(self._record)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self) -> None:
        with self._lock:
            self.requests.append({
                "path": request.path, "method": request.method, "url": self._raw_url(),
                "form": request.form.to_dict(flat=True), "args": request.args.to_dict(),
                "signature": request.headers.get("X-Twilio-Signature"),
                "multi": request.values.to_dict(flat=False),
            })

    def _raw_url(self) -> str:
        """The URL exactly as requested (werkzeug's request.url re-quotes the query)."""
        query = request.query_string.decode()
        return self.base_url + request.path + ("?" + query if query else "")

    def route(self, path: str, **kw: Any) -> Callable[..., Any]:
        kw.setdefault("methods", ["GET", "POST"])
        return self.app.route(path, **kw)

    def hits(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def url(self, path: str) -> str:
        return self.base_url + path

    @staticmethod
    def twiml(body: str) -> tuple[str, int, dict[str, str]]:
        return twiml(body)

    def start(self) -> WebApp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def twiml(body: str) -> tuple[str, int, dict[str, str]]:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>', 200, {
        "Content-Type": "text/xml"}


@pytest.fixture
def sdk() -> Callable[..., Client]:
    """``sdk(sandbox, timeout=...)`` -> a twilio ``Client`` talking to that sandbox."""
    return sdk_client


@pytest.fixture
def webapp() -> Iterator[WebApp]:
    app = WebApp()
    yield app
    app.stop()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    started: list[SandboxServer] = []

    def make(**kwargs: Any) -> SandboxServer:
        kwargs.setdefault("account_sid", DEMO_ACCOUNT_SID)
        kwargs.setdefault("auth_token", DEMO_AUTH_TOKEN)
        kwargs.setdefault("time_scale", 0.01)
        kwargs.setdefault("cps", 100)
        kwargs.setdefault("verified", [CALLER_ID])
        sb = SandboxServer(**kwargs).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()
