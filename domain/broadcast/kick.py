"""Best-effort wake-ups of the dialler through RQ.

SQL holds every fact (which deliveries are due, when); these only make a worker look
sooner. If Redis is down or flushed, nothing is lost: the reconciler, which reads SQL, kicks
again. That is why a Redis error here is logged and swallowed, and nowhere else.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import redis
from flask import current_app
from rq import Queue

from domain.redis_conn import redis_conn

log = logging.getLogger(__name__)
DISPATCH_JOB = "jobs.broadcasts.dispatch"
DISPATCH_JOB_PREFIX = "dispatch-"  # job ids, so the dialler can tell its own jobs apart
SLOT_LOCK = "buurtlijn:dispatch:slot:{}"


def kick_dispatchers() -> None:
    """Enqueue a dispatch job for each dialler slot not running now (a duplicate is a
    harmless no-op: the slot lock lets one run)."""
    try:
        connection = redis_conn.client
        queue = Queue("urgent", connection=connection)
        for slot in range(current_app.config["DIAL_SLOTS"]):
            if not connection.exists(SLOT_LOCK.format(slot)):
                queue.enqueue(DISPATCH_JOB, slot, job_timeout=-1, result_ttl=60,
                              failure_ttl=3600,
                              job_id=f"{DISPATCH_JOB_PREFIX}{slot}-{uuid.uuid4().hex}")
    except redis.RedisError as exc:
        log.warning("dialler not kicked (%s); the reconciler will", exc.__class__.__name__)


def kick_dispatchers_at(when: datetime) -> None:
    """Wake the dialler when a retry falls due (one scheduled job per second of time)."""
    try:
        queue = Queue("urgent", connection=redis_conn.client)
        job_id = f"{DISPATCH_JOB_PREFIX}at-{int(when.timestamp())}"
        queue.enqueue_at(when, DISPATCH_JOB, 0, job_id=job_id, job_timeout=-1, result_ttl=60,
                         failure_ttl=3600)
    except redis.RedisError as exc:
        log.warning("retry at %s not scheduled (%s); the reconciler will", when,
                    exc.__class__.__name__)
