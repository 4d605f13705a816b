"""One log line per job: its name, what it was about, what it did, and how long it took."""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger("buurtlijn.job")
Result = TypeVar("Result")


def logged_job(function: Callable[..., Result]) -> Callable[..., Result]:
    """Log `job <name>` with the job's arguments (ids only, by design of every job), its
    result and duration; a failure is logged too and still reaches RQ."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def run(*args, **kwargs) -> Result:
        fields = dict(signature.bind(*args, **kwargs).arguments)
        started = time.perf_counter()
        outcome = "failed"
        result = None
        try:
            result = function(*args, **kwargs)
            outcome = "ok"
            return result
        finally:
            log.info("job %s %s", function.__name__, outcome, extra={
                "job": function.__name__, **fields, "result": result,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})

    return run

