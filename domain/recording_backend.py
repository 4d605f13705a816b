"""The recording line's `Backend`: the flow's questions and effects, answered in SQL.

One instance per webhook request, bound to the call (CallSid, calling number). Effects
commit as they happen (a confirmed message must be in SQL before the broadcast engine is
kicked); the view commits the flow state afterwards.

Listen-back and the audio: the carrier has the recording when it posts the Record's
action, and a worker processes it (`jobs.recordings`) in well under a second. Rather than
a <Pause>+<Redirect> loop (which the officer would hear as dead air, and which costs a
round trip per poll), the view waits for the worker in SQL for at most
RECORDING_AUDIO_WAIT_S (2 s), then
processes the recording itself: the same idempotent function, so whichever finishes
first wins and the other changes nothing. Only when even that fails (the carrier's
recording cannot be downloaded) does the officer hear the raw recording instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import requests
from flask import current_app
from sqlalchemy import distinct, func, select

from callflows.recording_types import Alert, Audio, BinInfo, Draft, Recorded, Sent, SignIn
from domain import officer_auth
from domain.audio_urls import audio_url_of
from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import (
    Bin,
    Delivery,
    Member,
    Membership,
    Message,
    MessageBin,
    Officer,
    audit,
    utcnow,
)
from domain.recordings import enqueue_processing, process_recording
from domain.status import MESSAGE, AudioStatus, MemberStatus, MessageStatus

log = logging.getLogger(__name__)

AUDIO_POLL_S = 0.02
ALL_BINS = "0"
SENT_STATUSES = (MessageStatus.CONFIRMED, MessageStatus.SENDING, MessageStatus.COMPLETED)


def audience(bin_ids: Sequence[int]) -> int:
    """Distinct numbers among the active members of these BINs: who a broadcast calls."""
    if not bin_ids:
        return 0
    return db.session.scalar(
        select(func.count(distinct(Member.phone)))
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.bin_id.in_(bin_ids), Member.status == MemberStatus.ACTIVE)
    ) or 0


def recipients(message: Message) -> int:
    """How many numbers a message goes to, as the officer is told after "send"."""
    if message.kind == "test":
        return 1
    if message.kind == "feedback" and message.parent_id:
        called = db.session.scalar(select(func.count(distinct(Delivery.phone)))
                                   .where(Delivery.message_id == message.parent_id))
        if called:
            return called
    return audience([t.bin_id for t in message.targets])


class SqlBackend:
    """`callflows.recording.Backend` for one call."""

    def __init__(self, call_sid: str, caller: str | None) -> None:
        self.call_sid = call_sid
        self.caller = caller

    # -- sign-in ----------------------------------------------------------------------
    def caller_locked(self) -> bool:
        return officer_auth.caller_locked(self.caller, self.call_sid)

    def check_pin(self, officer_number: str, pin: str) -> SignIn:
        result = officer_auth.authenticate(officer_number, pin, self.caller, self.call_sid)
        db.session.commit()
        officer = result.officer
        if result.outcome != "ok" or officer is None:
            return SignIn(result.outcome)
        return SignIn("ok", officer.id, officer.name, has_phone=bool(officer.phone))

    # -- what to send, to whom --------------------------------------------------------
    def _bin_ids(self, codes: Sequence[str]) -> list[int]:
        query = select(Bin.id)
        if ALL_BINS not in codes:
            query = query.where(Bin.code.in_(codes))
        return list(db.session.scalars(query.order_by(Bin.code)))

    def find_bin(self, code: str) -> BinInfo | None:
        if code == ALL_BINS:
            return BinInfo(ALL_BINS, "", audience(self._bin_ids([ALL_BINS])))
        found = db.session.scalar(select(Bin).where(Bin.code == code))
        return BinInfo(found.code, found.name, audience([found.id])) if found else None

    def audience(self, bin_codes: Sequence[str]) -> int:
        return audience(self._bin_ids(bin_codes))

    def latest_alert(self, officer_id: int) -> Alert | None:
        message = db.session.scalar(
            select(Message).where(Message.officer_id == officer_id, Message.kind == "urgent",
                                  Message.status.in_(SENT_STATUSES))
            .order_by(Message.confirmed_at.desc(), Message.id.desc()).limit(1))
        if message is None or message.confirmed_at is None:
            return None
        local = message.confirmed_at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
        codes = tuple(sorted(t.bin.code for t in message.targets))
        return Alert(message.id, local, codes, recipients(message))

    # -- the message ------------------------------------------------------------------
    def open_message(self, draft: Draft) -> int:
        officer = db.session.get(Officer, draft.officer_id)
        message = Message(kind=draft.kind, status=MessageStatus.RECORDING,
                          officer_id=draft.officer_id, recorded_from=self.caller,
                          call_sid=self.call_sid, parent_id=draft.parent_id,
                          audio_status=AudioStatus.NONE)
        if draft.parent_id is not None:
            bin_ids = list(db.session.scalars(
                select(MessageBin.bin_id).where(MessageBin.message_id == draft.parent_id)))
        else:
            bin_ids = self._bin_ids(draft.bin_codes) if draft.bin_codes else []
        message.targets = [MessageBin(bin_id=b) for b in bin_ids]
        db.session.add(message)
        db.session.flush()
        audit(self._actor(officer), "message.opened", f"message:{message.id}", kind=draft.kind,
              bins=list(draft.bin_codes), parent_id=draft.parent_id, call_sid=self.call_sid)
        db.session.commit()
        return message.id

    def attach_recording(self, message_id: int, recording: Recorded) -> Audio:
        message = db.session.get(Message, message_id)
        if message.recording_sid != recording.sid:
            attach(message, recording.sid, recording.url)
            audit(self._actor(message.officer), "message.recorded", f"message:{message_id}",
                  recording_sid=recording.sid, duration_s=recording.duration_s)
            db.session.commit()
        enqueue_processing(message_id, recording.sid)
        return self._await_audio(message_id)

    def audio(self, message_id: int) -> Audio:
        return self._await_audio(message_id)

    def send(self, message_id: int) -> Sent:
        message = db.session.get(Message, message_id)
        if MESSAGE.may_move(message.status, MessageStatus.CONFIRMED):
            if message.audio_status == AudioStatus.PENDING:
                audio = self._await_audio(message_id)
                if audio.status == "refused":
                    return Sent(0, refusal=audio.refusal)
            message.status, message.confirmed_at = MessageStatus.CONFIRMED, utcnow()
            audit(self._actor(message.officer), "message.confirmed", f"message:{message_id}",
                  kind=message.kind, bins=sorted(t.bin.code for t in message.targets),
                  recipients=recipients(message), audio_status=message.audio_status,
                  call_sid=self.call_sid)
            db.session.commit()
            message_confirmed(message_id)
        return Sent(recipients(message))

    def cancel(self, message_id: int) -> None:
        message = db.session.get(Message, message_id)
        if message.status != MessageStatus.RECORDING:
            return  # on the line, only a draft is cancelled; `broadcast cancel` stops a sent one
        actor = self._actor(message.officer)
        message.status = MessageStatus.CANCELLED
        message.cancelled_at, message.cancelled_by = utcnow(), actor
        audit(actor, "message.cancelled", f"message:{message_id}", call_sid=self.call_sid)
        db.session.commit()

    # -- helpers ----------------------------------------------------------------------
    def _actor(self, officer: Officer | None) -> str:
        return f"officer:{officer.number}" if officer else f"caller:{self.caller}"

    def _await_audio(self, message_id: int) -> Audio:
        """The audio's status after at most RECORDING_AUDIO_WAIT_S, processing it here if
        need be."""
        db.session.commit()
        deadline = time.monotonic() + current_app.config["RECORDING_AUDIO_WAIT_S"]
        while True:
            message = db.session.get(Message, message_id, populate_existing=True)
            if message.audio_status != AudioStatus.PENDING or time.monotonic() > deadline:
                break
            db.session.commit()  # end the snapshot so the worker's commit becomes visible
            time.sleep(AUDIO_POLL_S)
        if message.audio_status == AudioStatus.PENDING and message.recording_sid:
            try:
                process_recording(message_id, message.recording_sid)
            except requests.RequestException as exc:
                log.warning("recording of message %s not downloadable (%s); playing it raw",
                            message_id, exc.__class__.__name__)
            message = db.session.get(Message, message_id, populate_existing=True)
        return audio_of(message)


def attach(message: Message, recording_sid: str, recording_url: str) -> None:
    """Make this recording the message's current take; its audio is to be processed."""
    message.recording_sid, message.recording_url = recording_sid, recording_url
    message.audio_status, message.refusal_reason = AudioStatus.PENDING, None
    message.audio_wav = message.audio_sha256 = message.audio_duration_ms = None
    message.recording_deleted_at = None  # this take's carrier copy is still to be deleted


def audio_of(message: Message) -> Audio:
    if message.audio_status == AudioStatus.READY:
        return Audio("ready", play_url=audio_url_of(message))
    if message.audio_status == AudioStatus.REFUSED:
        return Audio("refused", refusal=message.refusal_reason)
    return Audio("pending", play_url=message.recording_url)
