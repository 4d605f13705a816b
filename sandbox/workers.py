"""Background work: a timer heap, per-call serial queues, and an idle tracker.

Status callbacks of one call must leave in order (unless a fault says otherwise) while
callbacks of different calls go out in parallel; timed events (async AMD results, the
voicemail beep, recording callbacks) must fire at a given moment without a thread per
timer. ``wait_idle`` needs to know when all of this has drained.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("sandbox")


class Work:
    """Runs tasks on a pool, at a time or in per-key order, and counts what is pending."""

    def __init__(self, max_workers: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="sbx-work")
        self._cond = threading.Condition()
        self._pending = 0
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._queues: dict[str, deque[Callable[[], None]]] = {}
        self._stopping = False
        self._timer = threading.Thread(target=self._timer_loop, name="sbx-timer", daemon=True)
        self._timer.start()

    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # a failing task must not kill the worker; it is logged
            log.exception("sandbox background task failed")

    def _done(self) -> None:
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    def submit(self, fn: Callable[[], None]) -> None:
        with self._cond:
            self._pending += 1

        def task() -> None:
            try:
                self._run(fn)
            finally:
                self._done()

        self._pool.submit(task)

    def at(self, when: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the pool at wall-clock time ``when``."""
        with self._cond:
            self._pending += 1
            heapq.heappush(self._heap, (when, next(self._seq), fn))
            self._cond.notify_all()

    def _timer_loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (
                    not self._heap or self._heap[0][0] > time.time()
                ):
                    delay = self._heap[0][0] - time.time() if self._heap else 0.5
                    self._cond.wait(min(max(delay, 0.0005), 0.5))
                if self._stopping:
                    return
                _, _, fn = heapq.heappop(self._heap)
            self.submit(fn)
            self._done()

    def serial(self, key: str, fn: Callable[[], None]) -> None:
        """Queue ``fn`` behind earlier tasks with the same key."""
        with self._cond:
            self._pending += 1
            q = self._queues.setdefault(key, deque())
            q.append(fn)
            start = len(q) == 1
        if start:
            self._pool.submit(self._drain, key)

    def _drain(self, key: str) -> None:
        while True:
            with self._cond:
                fn = self._queues[key][0]
            self._run(fn)
            with self._cond:
                q = self._queues[key]
                q.popleft()
                self._pending -= 1
                self._cond.notify_all()
                if not q:
                    del self._queues[key]
                    return

    def wait_idle(self, deadline: float) -> bool:
        with self._cond:
            while self._pending > 0:
                remaining = deadline - time.time()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.1))
            return True

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)
