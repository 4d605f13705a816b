"""Joining a BIN and belonging to it: applications, contributions, personal links, mail.

Personal data here follows the member: a contribution or a personal link goes with its
membership or member (ON DELETE CASCADE); an outgoing mail keeps its body only until the
SMTP server has accepted it (domain.mail)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.db import db
from domain.models.base import UTCDateTime, utcnow
from domain.status import ApplicationStatus, MailStatus


class Application(db.Model):
    """A resident's request to join a BIN, from the public join form."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_bin_status", "bin_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"))
    # domain.status.APPLICATION: applied -> confirmed -> approved | declined
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.APPLIED)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    house_number: Mapped[str] = mapped_column(String(20))
    postcode: Mapped[str] = mapped_column(String(10))
    municipality: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))  # E.164, the number to be called
    phone_type: Mapped[str] = mapped_column(String(20))
    phone2: Mapped[str | None] = mapped_column(String(20))
    phone2_type: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    email: Mapped[str | None] = mapped_column(String(254))
    channel: Mapped[str | None] = mapped_column(String(5))  # as Member.channel
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # sha256 of the double opt-in link's token; the token itself is only in the mail.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bin = relationship("Bin")
    member = relationship("Member")


class Contribution(db.Model):
    """One member's yearly contribution to one BIN, with its structured communication."""

    __tablename__ = "contributions"
    __table_args__ = (
        UniqueConstraint("membership_id", "year", name="uq_contributions_membership_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    amount_cents: Mapped[int]
    # The 12 digits of the Belgian structured communication (+++123/4567/89002+++).
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_cents: Mapped[int | None]
    paid_via: Mapped[str | None] = mapped_column(String(10))  # manual | statement
    paid_note: Mapped[str | None] = mapped_column(String(200))
    marked_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership = relationship("Membership")


class MemberLink(db.Model):
    """A personal link to the member's own page: only its token's sha256 is stored."""

    __tablename__ = "member_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member = relationship("Member")


class OutboundMail(db.Model):
    """One e-mail to send, written before it is sent (domain.mail), sent by an RQ job."""

    __tablename__ = "outbound_mails"
    __table_args__ = (Index("ix_outbound_mails_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # confirm | welcome | decline | link | ...
    # domain.status.MAIL: queued -> sending -> sent | failed (or back to queued)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.QUEUED)
    to_address: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)  # the Message-ID header
    # The whole RFC 5322 message as built in the request; erased once it is sent.
    body: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # after a failure
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
