"""/metrics for Prometheus: the engine's counters (domain.metrics) and live gauges.

With `PROMETHEUS_MULTIPROC_DIR` set (gunicorn.conf.py and the deploy guide set it for
web and worker processes alike), the counters are the sum over every process of this
host that wrote to that directory. Gauges are read from Redis at scrape time, so they are
the same whichever host is scraped: queue depths, calls in flight, and the calls per
second the pacing let through in the last second next to `CARRIER_CPS`.

Who may read it: with METRICS_TOKEN set, a request with `Authorization: Bearer <token>`
(from anywhere); without it, loopback clients only (Prometheus on the same host, or
through an SSH tunnel). Behind a proxy (BEHIND_PROXY) the client's own address counts.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

import redis
from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from rq import Queue

from domain.broadcast.pacing import INFLIGHT_KEY, SENT_KEY
from domain.queues import QUEUE_NAMES
from domain.redis_conn import redis_conn
from ivr.web.permissions import public

bp = Blueprint("metrics", __name__)


class LiveGauges:
    """Gauges read from Redis when scraped; nothing if Redis cannot be reached."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        config = self.app.config
        limit = GaugeMetricFamily("buurtlijn_pacing_limit_cps",
                                  "The carrier account's calls per second (CARRIER_CPS).")
        limit.add_metric([], config["CARRIER_CPS"])
        yield limit
        with self.app.app_context():
            try:
                client = redis_conn.client
                seconds, micros = client.time()  # the pacing's own clock (domain.broadcast.pacing)
                now = seconds + micros / 1e6
                sent = client.zcount(SENT_KEY, now - 1.0, "+inf")
                in_flight = client.zcard(INFLIGHT_KEY)
                depths = {name: Queue(name, connection=client).count for name in QUEUE_NAMES}
            except redis.RedisError:
                return
        used = GaugeMetricFamily("buurtlijn_pacing_calls_last_second",
                                 "Create-call requests let through in the last second.")
        used.add_metric([], sent)
        yield used
        flight = GaugeMetricFamily("buurtlijn_calls_in_flight",
                                   "Calls holding a concurrency slot.")
        flight.add_metric([], in_flight)
        yield flight
        queued = GaugeMetricFamily("buurtlijn_queue_depth", "Jobs waiting in each RQ queue.",
                                   labels=["queue"])
        for name, depth in depths.items():
            queued.add_metric([name], depth)
        yield queued


def registry() -> CollectorRegistry:
    """This host's processes (multiprocess mode) or this process, plus the live gauges."""
    app = current_app._get_current_object()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
    else:
        combined = CollectorRegistry()
        combined.register(_Forward(REGISTRY))
    combined.register(LiveGauges(app))
    return combined


class _Forward:
    """Buurtlijn's metrics of the default registry (not the client's process_ and
    python_ ones, which multiprocess mode cannot sum either) inside another registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self):
        return (m for m in self.source.collect() if m.name.startswith("buurtlijn_"))


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
@public  # no sign-in: the view itself asks for METRICS_TOKEN, or loopback
def metrics() -> Response:
    """Prometheus text format; bearer token, or loopback only without one."""
    if not _allowed():
        abort(401 if current_app.config.get("METRICS_TOKEN") else 403)
    return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)
