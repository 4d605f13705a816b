"""How often CPython hands the GIL between threads, in the processes that answer the
carrier (gunicorn) or dial (RQ workers), each with several threads doing I/O."""

from __future__ import annotations

import sys

# CPython's default is 5 ms. A thread back from a database or HTTP round trip waits for
# the GIL until the running thread gives it up, up to that long for each CPU-bound thread
# ahead of it (the "convoy effect"); a webhook makes several round trips. With 0.5 ms,
# on PostgreSQL at 50 calls/s on 2 cores, webhook p99 was 164-338 ms in the runs right
# after the change against 481-515 ms before (bench.measure.dispatch, 1,000 members);
# the machine's speed varied too much that day for a firmer figure.
SWITCH_INTERVAL_S = 0.0005


def favour_latency() -> None:
    """Hand the GIL over sooner, at a small cost in throughput."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
