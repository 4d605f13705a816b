"""The data model. SQL is the source of truth; Redis only carries work."""

from domain.models.base import run_alone, utcnow
from domain.models.calls import (
    AuditLog,
    AuthFailure,
    AuthGuard,
    CallSession,
    InboundCall,
    Lockout,
    audit,
)
from domain.models.joining import Application, Contribution, MemberLink, OutboundMail
from domain.models.messages import CallAttempt, Delivery, Message, MessageBin
from domain.models.network import Bin, BinStreet, Member, Membership, Officer
from domain.models.users import Role, WebUser, WebUserBin

__all__ = [
    "Application",
    "AuditLog",
    "AuthFailure",
    "AuthGuard",
    "Bin",
    "BinStreet",
    "CallAttempt",
    "CallSession",
    "Contribution",
    "Delivery",
    "InboundCall",
    "Lockout",
    "Member",
    "MemberLink",
    "Membership",
    "Message",
    "MessageBin",
    "Officer",
    "OutboundMail",
    "Role",
    "WebUser",
    "WebUserBin",
    "audit",
    "run_alone",
    "utcnow",
]
