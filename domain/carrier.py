"""The carrier's REST API, through the real `twilio` SDK.

`TWILIO_API_URL` points the SDK at another base URL (the sandbox) through the SDK's own
extension point, a custom HTTP client, so nothing inside the SDK is patched. Whether that
URL is the real carrier (`is_live`) decides what the app refuses to start with.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.connection import HTTPConnection

TWILIO_BASE = "https://api.twilio.com"
REQUEST_TIMEOUT_S = 10.0


class GiveUpAdapter(HTTPAdapter):
    """Connections whose unacknowledged bytes are dropped by the kernel after `timeout`.

    A create-call request sent into a network cut stays in the kernel's send queue and is
    retransmitted when the link returns, however long after the client gave up on it:
    the call would be created minutes later, after the reconciler found no such call and
    dialled the member again. With TCP_USER_TIMEOUT the kernel aborts such a connection
    once its data has waited `timeout` unacknowledged, so a request this process gave up
    on (CARRIER_TIMEOUT_S) can never land after its dialing lease ran out
    (domain.broadcast.calls) and the reconciler may safely decide. Linux; elsewhere the
    option is left out."""

    def __init__(self, timeout: float, **kwargs) -> None:
        self.user_timeout_ms = int(timeout * 1000)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        if hasattr(socket, "TCP_USER_TIMEOUT"):
            kwargs["socket_options"] = [*HTTPConnection.default_socket_options,
                                        (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT,
                                         self.user_timeout_ms)]
        super().init_poolmanager(*args, **kwargs)


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends the SDK's api.twilio.com requests to `base_url` instead."""

    def __init__(self, base_url: str, timeout: float = REQUEST_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        # One pool large enough for the dialler's threads, for http:// (sandbox) too.
        adapter = GiveUpAdapter(timeout, pool_connections=4, pool_maxsize=64)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_BASE):
            url = self.base_url + url[len(TWILIO_BASE):]
        return super().request(method, url, *args, **kwargs)


def make_client(app: Flask) -> Client:
    config = app.config
    return Client(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
        http_client=BaseUrlHttpClient(config["TWILIO_API_URL"], config["CARRIER_TIMEOUT_S"]),
    )


def client() -> Client:
    """The app's carrier client, created once per app and shared by its threads."""
    app = current_app._get_current_object()
    key = (app.config["TWILIO_API_URL"], app.config["TWILIO_ACCOUNT_SID"],
           app.config["CARRIER_TIMEOUT_S"])
    cached = app.extensions.get("carrier_client")
    if cached is None or cached[0] != key:
        cached = (key, make_client(app))
        app.extensions["carrier_client"] = cached
    return cached[1]


def owns_number(number: str) -> bool:
    """True when the account owns `number` or has verified it as a caller ID."""
    api = client().api.v2010.accounts(current_app.config["TWILIO_ACCOUNT_SID"])
    if api.incoming_phone_numbers.list(phone_number=number, limit=1):
        return True
    return bool(api.outgoing_caller_ids.list(phone_number=number, limit=1))


def delete_recording(recording_sid: str) -> bool:
    """DELETE Recordings/{Sid}: True when deleted now, False when the carrier has no such
    recording (deleted before: the job is idempotent). Other errors reach the caller."""
    try:
        return bool(client().recordings(recording_sid).delete())
    except TwilioRestException as exc:
        if exc.status == 404:
            return False
        raise


def is_live(config: Mapping[str, Any]) -> bool:
    """True unless TWILIO_API_URL is a loopback address (localhost, 127.0.0.0/8, ::1).

    Fail-closed: an unparsable or empty URL, or a sandbox on another host, counts as live.
    No name is resolved, so the answer needs no network."""
    try:
        host = urlsplit(str(config.get("TWILIO_API_URL") or "")).hostname
    except ValueError:
        return True
    if not host:
        return True
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True
