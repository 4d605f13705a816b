"""RQ job: fetch an officer's recording from the carrier, process it, store it."""

from __future__ import annotations

from domain import carrier_recordings, recordings
from jobs.joblog import logged_job


@logged_job
def process_recording(message_id: int, recording_sid: str) -> str:
    """Idempotent: a take that is no longer the message's pending one is left alone."""
    return recordings.process_recording(message_id, recording_sid)


@logged_job
def delete_carrier_recording(message_id: int) -> str:
    """Idempotent: DELETE the carrier's copies of the message's takes once ours is done."""
    return carrier_recordings.delete_carrier_copies(message_id)
