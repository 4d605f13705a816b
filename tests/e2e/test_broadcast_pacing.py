"""Pacing holds across workers: the carrier never sees more than CARRIER_CPS creates in
any one-second window, nor more than CARRIER_MAX_CONCURRENT calls at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import CallAttempt
from tests.e2e.broadcast_support import (
    assert_one_call_per_attempt,
    members_with_message,
    outbound_calls,
    settled,
)


def _created(sandbox) -> list[float]:
    return sorted(datetime.fromisoformat(c["created_at"].replace("Z", "+00:00")).timestamp()
                  for c in outbound_calls(sandbox))


def test_calls_per_second_hold_with_two_workers(app, sandbox, workers):
    """Counted on when each create request was let out, across both workers, as recorded
    in dialed_at (Redis's clock, shared by the workers). How close the rate comes to the
    limit is a timing figure: see bench/, not asserted here."""
    app.config["CARRIER_CPS"] = 10
    members, message = members_with_message(30)
    workers.start(2)
    message_confirmed(message.id)
    assert settled(message.id, workers=workers).status == "completed"
    sent = sorted(t.timestamp() for t in db.session.scalars(select(CallAttempt.dialed_at)))
    assert len(sent) == 30 and len(_created(sandbox)) == 30
    for i, t in enumerate(sent):
        in_window = sum(1 for u in sent[i:] if u < t + 1.0)
        assert in_window <= 10, [round(u - sent[0], 3) for u in sent]
    assert_one_call_per_attempt(sandbox, message.id)


def test_concurrent_calls_hold(app, sandbox, workers):
    app.config["CARRIER_MAX_CONCURRENT"] = 3
    sandbox.carrier.scale = 0.1  # calls of a few seconds, scaled to a few tenths
    members, message = members_with_message(9, audio_s=5)
    workers.start(2)
    message_confirmed(message.id)
    assert settled(message.id, workers=workers).status == "completed"
    spans = []
    for call in outbound_calls(sandbox):
        times = {e["status"]: e["ts"] for e in call["timeline"]}
        spans.append((times.get("queued", times.get("initiated")), times["completed"]))
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    live = peak = 0
    for _, step in edges:
        live += step
        peak = max(peak, live)
    assert peak <= 3
    assert peak == 3  # and the slots are actually used
    assert_one_call_per_attempt(sandbox, message.id)
