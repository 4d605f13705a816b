"""Gunicorn settings for the web process; gunicorn reads this file from the working
directory. Command-line options (the Procfile's, the bench's) override these defaults."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# The carrier keeps its webhook connections open and reuses them. With gunicorn's 2 s
# default, a connection is closed just as a request arrives on it often enough to be seen
# at 100 calls/s (the request is reset, and a member's call fails): idle connections are
# kept far longer than the carrier's gaps between webhooks.
keepalive = int(os.environ.get("WEB_KEEPALIVE_S", "75"))


def post_fork(server, worker):
    """Each worker process favours the latency of webhooks over raw throughput."""
    from ivr.threads import favour_latency

    favour_latency()
