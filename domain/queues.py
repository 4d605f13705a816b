"""The RQ queues, in the order a worker serves them: urgent alerts before anything else."""

from __future__ import annotations

from collections.abc import Iterable

from redis import Redis
from rq import Queue

QUEUE_NAMES = ("urgent", "normal", "low")


def queues(connection: Redis, names: Iterable[str] = QUEUE_NAMES) -> list[Queue]:
    return [Queue(name, connection=connection) for name in names]
