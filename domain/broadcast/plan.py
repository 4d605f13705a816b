"""Fan-out: a confirmed message becomes one delivery row per distinct person to reach.

Planning is one transaction: the message is claimed (`planned_at` set only if still
unset), its deliveries are inserted in bulk, and both commit together. A worker that dies
half-way leaves nothing planned, and the reconciler plans it again; a second plan job for
the same message finds it claimed and does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, insert, select, update

from domain import carrier
from domain.broadcast.kick import kick_dispatchers
from domain.db import db
from domain.models import Delivery, Member, Membership, Message, MessageBin, Officer, audit, utcnow
from domain.status import AudioStatus, DeliveryStatus, MemberStatus, MessageStatus

log = logging.getLogger(__name__)
INSERT_CHUNK = 5000


def plan_broadcast(message_id: int) -> int:
    """Plan the deliveries of a confirmed message and wake the dialler; returns how many."""
    message = db.session.get(Message, message_id)
    if (message is None or message.status != MessageStatus.CONFIRMED
            or message.planned_at is not None):
        return 0
    if message.audio_status != AudioStatus.READY:
        return 0  # the recording job plans it when the audio is ready
    caller_id = current_app.config["CALLER_ID"]
    if not _caller_id_allowed(caller_id):
        message.status = MessageStatus.REFUSED
        audit("system", "broadcast.refused", f"message:{message.id}",
              reason=f"caller ID {caller_id} is not owned or verified by the carrier account")
        db.session.commit()
        log.error("broadcast %s refused: caller ID %s is not a number of the carrier account "
                  "(Twilio error 21210)", message.id, caller_id)
        return 0

    now = utcnow()
    claimed = db.session.execute(
        update(Message).where(Message.id == message_id, Message.planned_at.is_(None),
                              Message.status == MessageStatus.CONFIRMED)
        .values(planned_at=now, status=MessageStatus.SENDING,
                not_before=_not_before(message.kind, now))
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return 0
    rows = [dict(r, message_id=message_id, status=DeliveryStatus.PENDING)
            for r in _recipients(message)]
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(insert(Delivery), rows[start:start + INSERT_CHUNK])
    if not rows:
        message.status, message.completed_at = MessageStatus.COMPLETED, now
    audit("system", "broadcast.planned", f"message:{message_id}", deliveries=len(rows))
    db.session.commit()
    if rows:
        kick_dispatchers()
    return len(rows)


def _caller_id_allowed(caller_id: str) -> bool:
    """Checked once per broadcast, before its first dial: refusing beats 1,000 errors."""
    return carrier.owns_number(caller_id)


def _recipients(message: Message) -> list[dict]:
    """One row per distinct number: a member in two targeted BINs, or a household
    sharing a landline, is called once."""
    if message.kind == "test":
        officer = db.session.get(Officer, message.officer_id) if message.officer_id else None
        if officer is None or not officer.phone:
            return []
        return [{"member_id": None, "phone": officer.phone, "phone2": None, "language": "nl",
                 "bin_id": None}]
    if message.kind == "feedback" and message.parent_id:
        # The alert's recipients who are still members: one who left or was erased since
        # (no member row, or no membership any more) is never called again.
        still_member = select(Membership.id).where(Membership.member_id == Member.id).exists()
        query = (select(Delivery.member_id, Delivery.phone, Delivery.phone2, Delivery.language,
                        Delivery.bin_id)
                 .join(Member, Member.id == Delivery.member_id)
                 .where(Delivery.message_id == message.parent_id,
                        Member.status == MemberStatus.ACTIVE, still_member)
                 .order_by(Delivery.id))
    else:
        # The BIN that pays for a person in two targeted BINs: the first one targeted.
        query = (
            select(Member.id, Member.phone, Member.phone2, Member.language, MessageBin.bin_id)
            .join(Membership, Membership.member_id == Member.id)
            .join(MessageBin, and_(MessageBin.bin_id == Membership.bin_id,
                                   MessageBin.message_id == message.id))
            .where(Member.status == MemberStatus.ACTIVE)
            .order_by(Member.id, MessageBin.id)
        )
    seen: set[str] = set()
    rows = []
    for member_id, phone, phone2, language, bin_id in db.session.execute(query):
        if phone in seen:
            continue
        seen.add(phone)
        rows.append({"member_id": member_id, "phone": phone,
                     "phone2": phone2 if phone2 and phone2 != phone else None,
                     "language": language or "nl", "bin_id": bin_id})
    return rows


def _not_before(kind: str, now: datetime) -> datetime | None:
    """Non-urgent messages wait for the end of the quiet hours (default 21:00-08:00)."""
    if kind in ("urgent", "test"):
        return None
    start_s, end_s = current_app.config["QUIET_HOURS"].split("-")
    start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = now.astimezone(zone)
    quiet = (local.time() >= start or local.time() < end) if start > end else \
        (start <= local.time() < end)
    if not quiet:
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)
