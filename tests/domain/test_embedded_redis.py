"""With no REDIS_URL, one embedded redis-server is shared and stopped cleanly."""

from __future__ import annotations

import redis

from domain.embedded_redis import EmbeddedRedis


def test_started_once_shared_and_persisted(tmp_path):
    first = EmbeddedRedis(tmp_path).ensure_running()
    try:
        client = redis.Redis.from_url(first.url)
        client.set("alert", "42")
        second = EmbeddedRedis(tmp_path).ensure_running()
        assert second.process is None  # reused, not started twice
        assert redis.Redis.from_url(second.url).get("alert") == b"42"
        assert client.config_get("appendonly")["appendonly"] == "yes"
    finally:
        first.stop()
    assert first.process.poll() is not None
    restarted = EmbeddedRedis(tmp_path).ensure_running()
    try:
        assert redis.Redis.from_url(restarted.url).get("alert") == b"42"  # from the AOF
    finally:
        restarted.stop()


def test_background_server_outlives_its_starter_and_stops_by_pid_file(tmp_path):
    started = EmbeddedRedis(tmp_path).ensure_running(own=False)
    client = redis.Redis.from_url(started.url)
    assert client.ping()
    assert EmbeddedRedis(tmp_path).shutdown() is True
    assert started.process.wait(timeout=5) == 0
    assert EmbeddedRedis(tmp_path).shutdown() is False
