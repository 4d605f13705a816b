"""People who sign in to the web app: police admins, dispatchers and BIN coordinators."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.db import db
from domain.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    """What a web user may do; police roles need a second factor (TOTP)."""

    ADMIN = "admin"  # zone-wide: BINs, officers, web users, the audit log, all broadcasts
    DISPATCHER = "dispatcher"  # every BIN's broadcasts, live; cancel; listen back
    COORDINATOR = "coordinator"  # their own BIN(s) only: members, broadcasts, outcomes

    @property
    def is_police(self) -> bool:
        return self is not Role.COORDINATOR


class WebUser(db.Model):
    """A web account; the password is an argon2 hash, the TOTP secret is for police roles."""

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # Set when the user first signs in with a valid code: until then the sign-in shows
    # the QR code to enrol an authenticator app.
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(2), default="nl")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    bins: Mapped[list[WebUserBin]] = relationship(cascade="all, delete-orphan",
                                                  lazy="selectin")

    # What Flask-Login asks of a user object (duck-typed: the domain imports no Flask).
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def bin_ids(self) -> set[int]:
        return {link.bin_id for link in self.bins}


class WebUserBin(db.Model):
    """A coordinator's BIN: the only BINs whose data they may see."""

    __tablename__ = "web_user_bins"
    __table_args__ = (UniqueConstraint("user_id", "bin_id", name="uq_web_user_bins_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"),
                                         index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"), index=True)

    bin = relationship("Bin", lazy="joined")
