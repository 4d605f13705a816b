"""The seam between "a message is confirmed" and the broadcast engine.

Called by the recording line after the officer presses 1 (and by the recording job when
the processed audio becomes ready). It only *kicks* the engine: SQL already says the
message is confirmed, so if Redis is down the reconciler starts the broadcast later.
"""

from __future__ import annotations

import logging

import redis
from rq import Queue

from domain.redis_conn import redis_conn

log = logging.getLogger(__name__)


def message_confirmed(message_id: int) -> None:
    """Ask a worker to plan and start the broadcast of `message_id` now."""
    try:
        Queue("urgent", connection=redis_conn.client).enqueue(
            "jobs.broadcasts.plan_broadcast", message_id,
            job_id=f"plan-{message_id}", at_front=True,
        )
    except redis.RedisError as exc:
        log.warning("message %s confirmed but not enqueued (%s); the reconciler will start it",
                    message_id, exc.__class__.__name__)
