"""Messages and their broadcast: one delivery per person, one call attempt per dial."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.db import db
from domain.models.base import UTCDateTime, utcnow
from domain.status import AttemptStatus, AudioStatus, DeliveryStatus, MessageStatus

# Lower runs first: urgent alerts go before everything else.
PRIORITY = {"urgent": 0, "feedback": 1, "test": 2, "cold": 3}



class Message(db.Model):
    """A recorded message with who made it, for which BINs, and what became of it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # urgent | feedback | test | cold
    # domain.status.MESSAGE: recording -> confirmed -> sending -> completed, or cancelled
    status: Mapped[str] = mapped_column(String(12), default=MessageStatus.RECORDING,
                                        index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    recorded_from: Mapped[str | None] = mapped_column(String(20))
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))  # feedback on
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_url: Mapped[str | None] = mapped_column(Text)
    # domain.status.AUDIO: none | pending | ready | refused
    audio_status: Mapped[str] = mapped_column(String(10), default=AudioStatus.NONE)
    audio_wav: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    audio_sha256: Mapped[str | None] = mapped_column(String(64))
    audio_duration_ms: Mapped[int | None]
    refusal_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # quiet hours
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Retention (domain.retention): when the carrier's copy of the recording was deleted
    # (DELETE Recordings/{Sid}, once ours is processed) and when our audio was erased.
    recording_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audio_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    officer = relationship("Officer")
    targets: Mapped[list[MessageBin]] = relationship(cascade="all, delete-orphan")
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="message")


class MessageBin(db.Model):
    __tablename__ = "message_bins"
    __table_args__ = (UniqueConstraint("message_id", "bin_id", name="uq_message_bins_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))

    bin = relationship("Bin")


class Delivery(db.Model):
    """One person (one number) to reach for one message; outlives any number of attempts."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "phone", name="uq_deliveries_message_phone"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        # The dialler's claim and "is the broadcast done?" read one message's pending or
        # calling deliveries in id order: without this they sort or scan every delivery
        # of the message, O(members) per call (24 ms a claim at 100,000 members).
        Index("ix_deliveries_message_status", "message_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The targeted BIN this person was reached for (the first of theirs, when in two):
    # what each BIN pays is summed over its deliveries (domain.costs).
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(20))
    phone2: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # domain.status.DELIVERY: pending -> calling -> done | cancelled
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    # domain.status.Outcome: human | machine | busy | no-answer | failed | cancelled
    outcome: Mapped[str | None] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replays: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    message: Mapped[Message] = relationship(back_populates="deliveries")
    member = relationship("Member")
    call_attempts: Mapped[list[CallAttempt]] = relationship(back_populates="delivery")


class CallAttempt(db.Model):
    """One dial. Written as `dialing` before the carrier request; its state only moves on."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        UniqueConstraint("delivery_id", "attempt_no", name="uq_call_attempts_delivery_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    attempt_no: Mapped[int]
    to_number: Mapped[str] = mapped_column(String(20))
    # domain.status.ATTEMPT: only forward, dialing -> ... -> a final carrier status
    status: Mapped[str] = mapped_column(String(12), default=AttemptStatus.DIALING, index=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    answered_by: Mapped[str | None] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dialed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[int | None]
    # The carrier's price of the call, as a positive cost in `price_unit` (Twilio reports
    # it negative, and only some time after the call ended: domain.costs fetches it at
    # `price_check_at` until known, counting `price_checks`). Kept when retention blanks
    # the number and SID: costs outlive the details.
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 5))
    price_unit: Mapped[str | None] = mapped_column(String(3))
    price_checks: Mapped[int] = mapped_column(default=0, server_default="0")
    price_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    delivery: Mapped[Delivery] = relationship(back_populates="call_attempts")
