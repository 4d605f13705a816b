"""Global pacing in Redis: calls per second and concurrent calls, across processes."""

from __future__ import annotations

import multiprocessing
import time

import redis

from domain.broadcast.pacing import Limits, Pacer


def _reserve_starts(url: str, cps: float, count: int, offset: int, out) -> None:
    pacer = Pacer(redis.Redis.from_url(url), Limits(cps, 0, 60))
    starts = []
    for i in range(count):
        start, wait = pacer.reserve_start(f"p{offset + i}")
        time.sleep(wait)
        starts.append(start)
    out.put(starts)


def test_rate_holds_across_processes(app, redis_server):
    cps, per_process, procs = 20.0, 15, 3
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_reserve_starts,
                                       args=(redis_server.url, cps, per_process, i * 100, queue))
               for i in range(procs)]
    for w in workers:
        w.start()
    starts = sorted(s for _ in workers for s in queue.get(timeout=30))
    for w in workers:
        w.join()
    assert len(starts) == per_process * procs
    for i, t in enumerate(starts):  # no one-second window holds more than cps starts
        assert sum(1 for u in starts[i:] if u < t + 1.0 - 1e-6) <= cps
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 1 / cps - 1e-6  # evenly spaced: no burst
    span = starts[-1] - starts[0]
    assert (len(starts) - 1) / cps * 0.9 <= span <= (len(starts) - 1) / cps + 0.5


def test_concurrency_slots_are_held_until_released(app, redis_server):
    pacer = Pacer(redis.Redis.from_url(redis_server.url), Limits(0, 2, 60))
    assert pacer.reserve("a1") == 0 and pacer.reserve("a2") == 0
    assert pacer.reserve("a3") is None
    assert pacer.reserve("a1") == 0  # the same attempt asking again keeps its one slot
    pacer.release("a1")
    assert pacer.reserve("a3") == 0 and pacer.in_flight() == 2


def test_lost_release_expires_with_the_lease(app, redis_server):
    pacer = Pacer(redis.Redis.from_url(redis_server.url), Limits(0, 1, 0.3))
    assert pacer.reserve("a1") == 0
    assert pacer.reserve("a2") is None
    time.sleep(0.4)
    assert pacer.reserve("a2") == 0


def test_gate_lets_at_most_limit_sends_per_second(app, redis_server):
    pacer = Pacer(redis.Redis.from_url(redis_server.url), Limits(0, 0, 60, window_limit=10))
    began = time.monotonic()
    passed, let_through = [], []
    for i in range(12):
        let_through.append(pacer.gate(f"s{i}"))
        passed.append(time.monotonic() - began)
    assert passed[9] < 0.2  # ten go straight through
    assert passed[10] >= 0.99 and passed[11] >= 0.99  # the 11th waits for the window
    # the moments it reports (on Redis's clock) keep the window too
    assert let_through[10] - let_through[0] >= 1.0 and let_through[11] - let_through[1] >= 1.0


def test_gate_counts_its_window_with_the_latency_allowance(app, redis_server):
    """A held-back send goes out a full window after the oldest, not one second: the
    carrier counts on arrival, and the oldest may have been the slower request."""
    pacer = Pacer(redis.Redis.from_url(redis_server.url),
                  Limits(0, 0, 60, window_limit=5, window_s=1.2))
    let_through = [pacer.gate(f"w{i}") for i in range(6)]
    assert let_through[5] - let_through[0] >= 1.2
