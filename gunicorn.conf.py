"""Gunicorn settings for the web process; gunicorn reads this file from the working
directory. Command-line options (the Procfile's, the bench's) override these defaults."""

import os
import sys

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# The carrier keeps its webhook connections open and reuses them. With gunicorn's 2 s
# default, a connection is closed just as a request arrives on it often enough to be seen
# at 100 calls/s (the request is reset, and a member's call fails): idle connections are
# kept far longer than the carrier's gaps between webhooks.
keepalive = int(os.environ.get("WEB_KEEPALIVE_S", "75"))


def on_starting(server):
    """Build the app once in the master, so a live start with demo settings is refused in
    one line and exit 1 (ivr.live) instead of each worker's traceback and gunicorn's exit 3."""
    from ivr import create_app
    from ivr.live import NotReadyForLive

    try:
        create_app()
    except NotReadyForLive as refused:
        sys.exit(f"Error: {refused.message}")


def post_fork(server, worker):
    """Each worker process favours the latency of webhooks over raw throughput."""
    from ivr.threads import favour_latency

    favour_latency()


def child_exit(server, worker):
    """Metrics (ivr.metrics): a gunicorn worker that exits keeps its counters in
    PROMETHEUS_MULTIPROC_DIR, summed as before; only a live gauge of it would be dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
