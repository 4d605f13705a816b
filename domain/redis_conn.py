"""The app's Redis connection: configured `REDIS_URL`, or the embedded server."""

from __future__ import annotations

import redis
from flask import Flask, current_app

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
            state["client"] = redis.Redis.from_url(self.url())
        return state["client"]


redis_conn = RedisConnection()
