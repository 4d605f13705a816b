"""The neighbourhood networks, their members and the officers who alert them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.db import db
from domain.models.base import UTCDateTime, utcnow
from domain.status import MembershipStatus, MemberStatus


class Bin(db.Model):
    """A buurtinformatienetwerk; `code` is what an officer keys in (1-4 digits)."""

    __tablename__ = "bins"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str | None] = mapped_column(String(120))
    coordinator_name: Mapped[str | None] = mapped_column(String(200))
    coordinator_email: Mapped[str | None] = mapped_column(String(254))
    coordinator_phone: Mapped[str | None] = mapped_column(String(20))
    # Whether a member calling the caller ID back may hear the latest message again. The
    # calling number is all that identifies them, and it can be spoofed: a BIN decides.
    callback_replay: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The yearly contribution (0 = free) and the account it is paid to (domain.contributions).
    fee_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    # Shown on the join form and the member's page; empty: the generic text is shown.
    privacy_statement: Mapped[str | None] = mapped_column(Text)
    house_rules: Mapped[str | None] = mapped_column(Text)
    # Calls and SMS of a month beyond this are warned about before sending (domain.costs).
    monthly_budget_cents: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    streets: Mapped[list[BinStreet]] = relationship(
        back_populates="bin", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="bin")


class BinStreet(db.Model):
    """One street (or house-number range of it) inside a BIN's zone (domain.zones).

    `street_key` is the street name folded for matching (case, accents, `str.`, `Sint-`);
    a bilingual street is two rows with the same range. Empty from/to: the whole street."""

    __tablename__ = "bin_streets"
    __table_args__ = (Index("ix_bin_streets_lookup", "postcode", "street_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"), index=True)
    street: Mapped[str] = mapped_column(String(200))
    street_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(10))
    municipality: Mapped[str | None] = mapped_column(String(120))
    house_from: Mapped[int | None]
    house_to: Mapped[int | None]
    parity: Mapped[str] = mapped_column(String(4), default="all")  # all | even | odd

    bin: Mapped[Bin] = relationship(back_populates="streets")


class Member(db.Model):
    """A person who gets called; one row per person however many BINs they belong to."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("name", "phone", name="uq_members_name_phone"),
        # The web list pages through a BIN's members in this order (migration 0006).
        Index("ix_members_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(10))
    municipality: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    phone_type: Mapped[str] = mapped_column(String(20))
    phone2: Mapped[str | None] = mapped_column(String(20), index=True)
    phone2_type: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    email: Mapped[str | None] = mapped_column(String(254))
    # domain.channels: email | sms | none for written messages; NULL = the default rule
    channel: Mapped[str | None] = mapped_column(String(5))
    # domain.status.MemberStatus: active | pending | left
    status: Mapped[str] = mapped_column(String(12), default=MemberStatus.ACTIVE)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("member_id", "bin_id", name="uq_memberships_member_bin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # domain.status.MembershipStatus: approved | active | payment_due
    status: Mapped[str] = mapped_column(String(12), default=MembershipStatus.ACTIVE,
                                        server_default=MembershipStatus.ACTIVE.value)

    member: Mapped[Member] = relationship(back_populates="memberships")
    bin: Mapped[Bin] = relationship(back_populates="memberships")


class Officer(db.Model):
    """A police officer allowed on the recording line; the PIN is stored as an argon2 hash."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))  # for test messages
    allowed_callers: Mapped[str | None] = mapped_column(Text)  # comma-separated E.164, optional
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
