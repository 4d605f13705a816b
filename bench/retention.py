"""Benchmark: a retention run over N old call attempts on a fresh database.

    .venv/bin/python -m bench.retention --attempts 100000 [--database-url URL]

Stores `--attempts` attempts (one per delivery, 1,000 deliveries a broadcast, every
broadcast completed 100 days ago, priced) plus as many old inbound calls and mails / 10,
then times `domain.retention.run` (the first run erases everything past its period, the
second finds nothing) and checks that nothing personal is left. The database is
migrated by `flask db upgrade`; a --database-url database is emptied first.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.support import offline_app

PER_MESSAGE = 1000


def fill(attempts: int) -> None:
    """Old broadcasts, their deliveries and attempts, inbound calls and mails, in bulk."""
    from domain.db import db
    from domain.models import CallAttempt, Delivery, InboundCall, Message, OutboundMail, utcnow

    old = utcnow() - timedelta(days=100)
    messages = -(-attempts // PER_MESSAGE)
    db.session.execute(insert(Message), [
        {"id": m + 1, "kind": "urgent", "status": "completed", "recorded_from": "+32470999000",
         "audio_status": "ready", "audio_wav": b"RIFF" + bytes(16000), "audio_sha256": "0" * 64,
         "audio_duration_ms": 1000, "created_at": old, "confirmed_at": old, "completed_at": old}
        for m in range(messages)])
    rows = [{"id": i + 1, "message_id": i // PER_MESSAGE + 1, "phone": f"+32470{i:06d}",
             "status": "done", "outcome": "human", "attempts": 1, "updated_at": old}
            for i in range(attempts)]
    db.session.execute(insert(Delivery), rows)
    db.session.execute(insert(CallAttempt), [
        {"delivery_id": i + 1, "attempt_no": 1, "to_number": f"+32470{i:06d}",
         "status": "completed", "call_sid": f"CA{i:032d}", "answered_by": "human",
         "duration_s": 40, "price": Decimal("0.15"), "price_unit": "EUR", "created_at": old}
        for i in range(attempts)])
    db.session.execute(insert(InboundCall), [
        {"call_sid": f"CAin{i:030d}", "from_number": f"+32471{i:06d}", "line": "callback",
         "created_at": old} for i in range(attempts // 10)])
    db.session.execute(insert(OutboundMail), [
        {"kind": "welcome", "status": "sent", "to_address": f"lid{i}@example.org",
         "subject": "Welkom", "message_id": f"<{i}@bench>", "body": b"x" * 500,
         "created_at": old} for i in range(attempts // 10)])
    db.session.commit()


def run_once(attempts: int, database_url: str | None, workdir: Path) -> tuple[float, float]:
    from domain import retention
    from domain.db import db
    from domain.models import CallAttempt

    with offline_app(database_url, workdir):
        fill(attempts)
        start = time.perf_counter()
        first = retention.run()
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = retention.run()
        second_s = time.perf_counter() - start
        left = db.session.scalar(select(func.count(CallAttempt.id)).where(
            CallAttempt.to_number.not_like("erased:%")))
        assert left == 0 and not any(second.values()), (left, first, second)
        db.session.remove()
    return first_s, second_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        first, second = run_once(args.attempts, args.database_url, Path(tmp))
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"retention run over {args.attempts} old call attempts on {db}: {first:.2f} s "
          f"({args.attempts / first:.0f} attempts/s); a second run {second:.2f} s")


if __name__ == "__main__":
    main()
