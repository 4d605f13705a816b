"""Run the sandbox in-process (tests, benchmarks) or as ``python -m sandbox``.

A threaded werkzeug server on 127.0.0.1 (port 0 = a free one) serves the Flask app;
calls run on their own threads. ``stop()`` shuts both down so tests can start many.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from . import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, control, rest, rest_messages
from .carrier import Carrier
from .faults import Dice, Faults
from .phones import Scenario


class SandboxServer:
    """The whole sandbox: carrier + REST + control endpoints behind one HTTP server."""

    def __init__(
        self,
        *,
        account_sid: str = DEMO_ACCOUNT_SID,
        auth_token: str = DEMO_AUTH_TOKEN,
        scenario: Mapping[str, Any] | None = None,
        cps: float = 1.0,
        max_concurrent: int = 0,
        time_scale: float = 1.0,
        numbers: Mapping[str, str] | None = None,
        verified: Iterable[str] = (),
        faults: Mapping[str, float] | None = None,
        seed: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_timeout_s: float = 15.0,
    ) -> None:
        self.host, self.port = host, port
        self.faults = Faults()
        self.faults.update(dict(faults or {}))
        self.carrier = Carrier(
            account_sid=account_sid, auth_token=auth_token, scenario=Scenario(dict(scenario or {})),
            cps=cps, max_concurrent=max_concurrent, time_scale=time_scale, faults=self.faults,
            dice=Dice(seed), webhook_timeout_s=webhook_timeout_s,
        )
        for phone, url in (numbers or {}).items():
            self.carrier.add_number(phone, url)
        for phone in verified:
            self.carrier.add_number(phone, verified_only=True)
        self.app = Flask("sandbox")
        rest.register(self.app, self.carrier)
        rest_messages.register(self.app, self.carrier)
        control.register(self.app, self.carrier, self.set_scenario)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def account_sid(self) -> str:
        return self.carrier.account_sid

    @property
    def auth_token(self) -> str:
        return self.carrier.auth_token

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self.port = self._server.server_port
        self.carrier.base_url = self.base_url
        self._thread = threading.Thread(target=self._server.serve_forever, name="sbx-http",
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Blocking variant for the command line."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.carrier.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- conveniences for tests -----------------------------------------------------------
    def calls(self, **filters: str) -> list[dict[str, Any]]:
        with self.carrier.lock:
            items = list(self.carrier.calls.values())
        return [c.transcript.to_dict() for c in items
                if all(getattr(c, "from_" if k == "from" else k) == v for k, v in filters.items())]

    def call(self, sid: str) -> dict[str, Any]:
        return self.carrier.calls[sid].transcript.to_dict()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no call is queued or live and every callback has been sent."""
        return self.carrier.wait_idle(timeout)

    def reset(self) -> None:
        self.carrier.reset()

    def set_scenario(self, scenario: Scenario | Mapping[str, Any]) -> None:
        self.carrier.scenario = scenario if isinstance(scenario, Scenario) \
            else Scenario(dict(scenario))

    def set_faults(self, **knobs: float) -> None:
        self.faults.update(knobs)

    def set_tariff(self, **knobs: float | str) -> None:
        """Call prices: ``landline``/``mobile`` per started minute, ``unit``, ``delay_s``."""
        self.carrier.tariff.update(knobs)

    def messages(self, **filters: str) -> list[dict[str, Any]]:
        """The SMS sent so far, oldest first, e.g. ``messages(to="+32470000001")``."""
        return [m.to_dict() for m in self.carrier.messenger.all()
                if all(getattr(m, "from_" if k == "from" else k) == v
                       for k, v in filters.items())]

    def fired(self) -> dict[str, int]:
        """How often each fault was injected since the start or the last reset."""
        return self.carrier.fired.to_dict()

    def add_number(self, phone: str, voice_url: str | None = None) -> None:
        self.carrier.add_number(phone, voice_url, verified_only=voice_url is None)
