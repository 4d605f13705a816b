"""The data model. SQL is the source of truth; Redis only carries work."""

from ivr.models.base import run_alone, utcnow
from ivr.models.calls import (
    AuditLog,
    AuthFailure,
    AuthGuard,
    CallSession,
    InboundCall,
    Lockout,
    audit,
)
from ivr.models.messages import CallAttempt, Delivery, Message, MessageBin
from ivr.models.network import Bin, BinStreet, Member, Membership, Officer

__all__ = [
    "AuditLog",
    "AuthFailure",
    "AuthGuard",
    "Bin",
    "BinStreet",
    "CallAttempt",
    "CallSession",
    "Delivery",
    "InboundCall",
    "Lockout",
    "Member",
    "Membership",
    "Message",
    "MessageBin",
    "Officer",
    "audit",
    "run_alone",
    "utcnow",
]
