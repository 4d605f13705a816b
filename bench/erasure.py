"""Benchmark: erasing one member of a BIN with a long history, on a fresh database.

    .venv/bin/python -m bench.erasure --members 10000 --messages 20 [--database-url URL]

N members in one BIN, M completed alerts to all of them (M x N deliveries, one answered
call attempt each) and an audit log of N entries; then `erase_person` of --erase members
one after the other, each in its own transaction, timed (median and max). Erasure reads
the deliveries by member and number and the audit log by text, without an index of its
own: this says how long a coordinator waits on the erase page. Target: under 2 s each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.support import offline_app


def _seed(members: int, messages: int) -> list[int]:
    from sqlalchemy import insert, select

    from domain.db import db
    from domain.models import (
        AuditLog,
        Bin,
        CallAttempt,
        Delivery,
        Member,
        Membership,
        Message,
        MessageBin,
        utcnow,
    )

    bin_ = Bin(code="11", name="BIN 11")
    db.session.add(bin_)
    db.session.flush()
    now = utcnow()
    db.session.execute(insert(Member), [
        {"name": f"Lid {i}", "phone": f"+32470{i:06d}", "phone_type": "mobile",
         "street": "Kerkstraat", "house_number": str(i), "language": "nl",
         "status": "active", "created_at": now, "updated_at": now} for i in range(members)])
    ids = list(db.session.scalars(select(Member.id).order_by(Member.id)))
    db.session.execute(insert(Membership), [
        {"member_id": m, "bin_id": bin_.id, "joined_at": now, "status": "active"} for m in ids])
    db.session.execute(insert(AuditLog), [
        {"at": now, "actor": "coordinator@bin.test", "action": "member.edit",
         "subject": str(m), "details": {"fields": ["email"], "bins": [bin_.id]},
         "bins": f",{bin_.id},"} for m in ids])
    for n in range(messages):
        message = Message(kind="urgent", status="completed", audio_status="ready",
                          confirmed_at=now, completed_at=now)
        db.session.add(message)
        db.session.flush()
        db.session.add(MessageBin(message_id=message.id, bin_id=bin_.id))
        first = db.session.scalar(select(Delivery.id).order_by(Delivery.id.desc())) or 0
        db.session.execute(insert(Delivery), [
            {"message_id": message.id, "member_id": m, "bin_id": bin_.id,
             "phone": f"+32470{i:06d}", "status": "done", "outcome": "human", "attempts": 1,
             "language": "nl", "replays": 0, "updated_at": now} for i, m in enumerate(ids)])
        db.session.execute(insert(CallAttempt), [
            {"delivery_id": first + 1 + i, "attempt_no": 1, "to_number": f"+32470{i:06d}",
             "status": "completed", "call_sid": f"CA{n:04d}{i:08d}", "answered_by": "human",
             "duration_s": 40, "created_at": now, "dialed_at": now, "price_checks": 0}
            for i in range(len(ids))])
        db.session.commit()
    return ids


def run(members: int, messages: int, erase: int, database_url: str | None,
        workdir: Path) -> list[float]:
    from domain import erasure
    from domain.db import db
    from domain.models import Member

    with offline_app(database_url, workdir):
        ids = _seed(members, messages)
        times = []
        for member_id in ids[members // 2: members // 2 + erase]:
            start = time.perf_counter()
            done = erasure.erase_person(db.session.get(Member, member_id), "bench")
            db.session.commit()
            times.append(time.perf_counter() - start)
            assert done.deliveries == messages, done
        db.session.remove()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--erase", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = run(args.members, args.messages, args.erase, args.database_url, Path(tmp))
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"erase_person on {db}, {args.members} members x {args.messages} alerts "
          f"({args.members * args.messages} deliveries): median "
          f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"over {len(times)} erasures")


if __name__ == "__main__":
    main()
