"""RQ job: the daily retention run (domain.retention), queued by the reconciler."""

from __future__ import annotations

from domain import retention
from jobs.joblog import logged_job


@logged_job
def run_retention() -> dict[str, int]:
    """Idempotent: a second run the same day finds nothing more to erase."""
    return retention.run()
