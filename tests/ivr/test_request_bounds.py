"""Bounded requests: a webhook body is small and form-encoded, and a Redis that hangs
(accepts, never answers) holds a web thread for a second, not for minutes."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from sqlalchemy import select

from domain.db import db
from domain.models import CallAttempt, Delivery, InboundCall
from domain.redis_conn import redis_conn
from ivr import create_app
from tests.factories import make_bin, make_call_attempt, make_member, make_message
from tests.support import sign, spoken

SID = "CA" + "5" * 32


def _raw_post(base_url: str, path: str, content_type: str, length: int) -> bytes:
    """Send only the headers of a huge body and read what the server answers meanwhile."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=3) as conn:
        conn.sendall((f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n"
                      "X-Twilio-Signature: x\r\n\r\nCallSid=CA1&").encode())
        return conn.recv(200)


def test_a_large_body_is_refused_before_it_is_read(app, live_server):
    head = _raw_post(live_server, "/voice/incoming", "application/x-www-form-urlencoded",
                     100_000_000)
    assert head.startswith(b"HTTP/1.1 413")


def test_a_multipart_body_is_refused_before_it_is_parsed(app, live_server):
    head = _raw_post(live_server, "/voice/incoming", "multipart/form-data; boundary=b",
                     100_000_000)
    assert head.startswith(b"HTTP/1.1 415")


def test_a_body_over_the_limit_is_413_and_changes_nothing(app, client):
    params = {"CallSid": "CA1", "From": "+32470123456", "To": app.config["CALLER_ID"],
              "Padding": "x" * 200_000}  # under Werkzeug's own 500 kB form limit
    url = app.config["PUBLIC_BASE_URL"] + "/voice/incoming"
    answer = client.post("/voice/incoming", data=params,
                         headers={"X-Twilio-Signature": sign(
                             app.config["TWILIO_AUTH_TOKEN"], url, params)})
    assert answer.status_code == 413
    assert db.session.scalars(select(InboundCall)).all() == []


def test_a_signed_multipart_webhook_is_415_and_changes_nothing(app, client):
    params = {"CallSid": "CA1", "From": "+32470123456", "To": app.config["CALLER_ID"]}
    url = app.config["PUBLIC_BASE_URL"] + "/voice/incoming"
    answer = client.post("/voice/incoming", data=params, content_type="multipart/form-data",
                         headers={"X-Twilio-Signature": sign(
                             app.config["TWILIO_AUTH_TOKEN"], url, params)})
    assert answer.status_code == 415
    assert db.session.scalars(select(InboundCall)).all() == []


class HangingRedis:
    """A TCP server that accepts connections and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.sock.getsockname()[1]}/0"

    def _accept(self) -> None:
        while True:
            try:
                self.accepted.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hanging_app(app, base_config):
    """A second app on the same database whose Redis hangs."""
    hanging = HangingRedis()
    other = create_app(dict(base_config, REDIS_URL=hanging.url,
                            TWILIO_API_URL=app.config["TWILIO_API_URL"]))
    yield other, hanging
    hanging.close()


def _timed_post(flask_app, path: str, params: dict, limit_s: float):
    """POST signed; (response, seconds), or fail after `limit_s` if it never answers."""
    url = flask_app.config["PUBLIC_BASE_URL"] + path
    headers = {"X-Twilio-Signature": sign(flask_app.config["TWILIO_AUTH_TOKEN"], url, params)}
    result: dict = {}

    def run() -> None:
        started = time.monotonic()
        result["response"] = flask_app.test_client().post(path, data=params, headers=headers)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit_s)
    assert not thread.is_alive(), f"{path} did not answer within {limit_s} s"
    return result["response"], result["seconds"]


def test_with_a_hanging_redis_member_webhooks_answer_and_sql_keeps_the_news(app,
                                                                          hanging_app):
    other, hanging = hanging_app
    area = make_bin(db, name="BIN Centrum")
    member = make_member(db, bins=[area])
    message = make_message(db, bins=[area], status="sending")
    attempt = make_call_attempt(db, member, message, status="ringing", call_sid=SID)

    answer, seconds = _timed_post(other, f"/voice/member/answer?attempt={attempt.id}",
                                  {"CallSid": SID, "CallStatus": "in-progress"}, 5)
    assert answer.status_code == 200 and seconds < 1
    assert any("BIN Centrum" in s for s in spoken(answer.data))

    # Busy: the delivery is settled for a retry and the dialler kicked (Redis), then the
    # concurrency slot released (Redis): two calls into the hanging server.
    status, seconds = _timed_post(other, f"/voice/member/status?attempt={attempt.id}",
                                  {"CallSid": SID, "CallStatus": "busy"}, 8)
    assert status.status_code == 204 and seconds < 2.5, seconds
    assert hanging.accepted, "the hanging Redis was really asked"
    db.session.expire_all()
    assert db.session.get(CallAttempt, attempt.id).status == "busy"
    settled = db.session.get(Delivery, attempt.delivery_id)
    assert (settled.status, settled.next_attempt_at is not None) == ("pending", True)


def test_the_redis_client_has_socket_timeouts(app):
    kwargs = redis_conn.client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == app.config["REDIS_SOCKET_TIMEOUT_S"]
    assert kwargs["socket_connect_timeout"] == app.config["REDIS_CONNECT_TIMEOUT_S"]
