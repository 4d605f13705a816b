"""RQ jobs of a broadcast: plan a confirmed message, dial due deliveries."""

from __future__ import annotations

from domain.broadcast import dialer, plan
from jobs.joblog import logged_job


@logged_job
def plan_broadcast(message_id: int) -> int:
    """Fan a confirmed message out into deliveries (a second run does nothing)."""
    return plan.plan_broadcast(message_id)


@logged_job
def dispatch(slot: int = 0) -> int:
    """Dial due deliveries while any are due (one job per slot runs at a time)."""
    return dialer.dispatch(slot)
