"""The app's Redis connection: configured `REDIS_URL`, or the embedded server.

Every call has a socket timeout (REDIS_SOCKET_TIMEOUT_S, REDIS_CONNECT_TIMEOUT_S): Redis
only carries work, webhooks answer from SQL and swallow a Redis error, so a Redis that
hangs (accepts, never answers) must cost a web thread a fraction of a second per call,
not redis-py's default of 5 s times ten retries. A timeout is not retried (a hung server
will not answer the retry either); a dropped connection is, once, so a Redis restart
costs no error on the pooled connection that found it gone.
"""

from __future__ import annotations

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

from domain.embedded_redis import EmbeddedRedis


class RedisConnection:
    """Hands out one Redis client per app, created on first use (never at import)."""

    def init_app(self, app: Flask) -> None:
        app.extensions["redis_conn"] = {"client": None, "embedded": None}

    def url(self, app: Flask | None = None) -> str:
        """The Redis URL to use, starting the embedded server when none is configured."""
        app = app or current_app._get_current_object()
        if app.config.get("REDIS_URL"):
            return app.config["REDIS_URL"]
        state = app.extensions["redis_conn"]
        if state["embedded"] is None:
            state["embedded"] = EmbeddedRedis(app.instance_path).ensure_running()
        return state["embedded"].url

    @property
    def client(self) -> redis.Redis:
        state = current_app.extensions["redis_conn"]
        if state["client"] is None:
            state["client"] = self.new_client()
        return state["client"]

    def new_client(self) -> redis.Redis:
        """A client of its own (RQ's worker raises its socket timeout for BLPOP)."""
        config = current_app.config
        return redis.Redis.from_url(
            self.url(), socket_timeout=config["REDIS_SOCKET_TIMEOUT_S"],
            socket_connect_timeout=config["REDIS_CONNECT_TIMEOUT_S"],
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )


redis_conn = RedisConnection()
