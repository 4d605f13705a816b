"""The statuses of messages, deliveries and call attempts, and the only moves between them.

Declared once here (python-statemachine style: the machine is declared in one place, the
state is stored outside, in SQL). Every writer moves a row with a conditional UPDATE whose
`WHERE status IN (...)` comes from `sources()`, so a duplicate, late or out-of-order event
changes nothing, and a move that is not declared here cannot be written at all.

The values are the strings stored in the database; `StrEnum` members compare equal to
them, so rows read back compare with the enum members directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar


class MessageStatus(StrEnum):
    RECORDING = "recording"  # the officer is still on the line
    CONFIRMED = "confirmed"  # the officer pressed send; not yet planned
    SENDING = "sending"  # deliveries planned, the dialler at work
    COMPLETED = "completed"  # every delivery settled
    CANCELLED = "cancelled"  # by the officer on the line, or `broadcast cancel`
    REFUSED = "refused"  # not sent: the caller ID is not the carrier account's


class AudioStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"  # a recording waits to be fetched and processed
    READY = "ready"
    REFUSED = "refused"  # silent or too short: the officer is told why


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at `next_attempt_at` (or now)
    CALLING = "calling"  # an attempt is under way
    DONE = "done"  # reached, or out of attempts: see `Outcome`
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """What became of a delivery."""

    HUMAN = "human"
    MACHINE = "machine"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AttemptStatus(StrEnum):
    """The carrier's call statuses, plus our own `dialing` before the create request."""

    DIALING = "dialing"
    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"  # the carrier's spelling


class MemberStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    LEFT = "left"


class ApplicationStatus(StrEnum):
    """A resident's application to join a BIN (the join form, issue 13)."""

    APPLIED = "applied"  # sent; with an e-mail address, waiting for the confirmation link
    CONFIRMED = "confirmed"  # e-mail confirmed (or none given): in the coordinator's inbox
    APPROVED = "approved"  # the person became a member (Application.member_id)
    DECLINED = "declined"  # with a reason, mailed to the applicant


class MembershipStatus(StrEnum):
    """A member's standing in one BIN. All three are called in a broadcast: an alert never
    waits for a contribution. A member who leaves is erased (MemberStatus.LEFT until then)."""

    APPROVED = "approved"  # approved, this year's contribution not paid yet
    ACTIVE = "active"  # paid this year, or the BIN is free, or imported by the coordinator
    PAYMENT_DUE = "payment_due"  # a new year began and its contribution is unpaid


class MailStatus(StrEnum):
    """One outgoing e-mail (domain.mail): written before it is sent, sent at most once."""

    QUEUED = "queued"
    SENDING = "sending"  # a worker has it; found here long after, it is queued again
    SENT = "sent"  # the SMTP server accepted it; its body is then erased
    FAILED = "failed"  # refused for good (a bad address), or out of attempts


S = TypeVar("S", bound=StrEnum)


class Machine(Generic[S]):
    """The allowed moves of one status; states without moves out are final."""

    def __init__(self, states: type[S], moves: Mapping[S, frozenset[S] | set[S]]) -> None:
        self.states = states
        self.moves = {state: frozenset(moves.get(state, ())) for state in states}
        self.final = frozenset(state for state, out in self.moves.items() if not out)

    def may_move(self, old: str, new: str) -> bool:
        return self.states(new) in self.moves[self.states(old)]

    def sources(self, new: S) -> tuple[S, ...]:
        """The states from which `new` may be reached: the WHERE of a move's UPDATE."""
        return tuple(state for state, out in self.moves.items() if new in out)

    def open(self) -> tuple[S, ...]:
        """States that are not final."""
        return tuple(state for state in self.states if state not in self.final)


M, D, A = MessageStatus, DeliveryStatus, AttemptStatus

MESSAGE = Machine(MessageStatus, {
    M.RECORDING: {M.CONFIRMED, M.CANCELLED},
    M.CONFIRMED: {M.SENDING, M.REFUSED, M.CANCELLED},
    M.SENDING: {M.COMPLETED, M.CANCELLED},
})

AUDIO = Machine(AudioStatus, {
    AudioStatus.NONE: {AudioStatus.PENDING},
    # A new take makes the audio pending again, whatever the last take gave.
    AudioStatus.PENDING: {AudioStatus.READY, AudioStatus.REFUSED, AudioStatus.PENDING},
    AudioStatus.READY: {AudioStatus.PENDING},
    AudioStatus.REFUSED: {AudioStatus.PENDING},
})

DELIVERY = Machine(DeliveryStatus, {
    D.PENDING: {D.CALLING, D.DONE, D.CANCELLED},
    # Back to pending: a retry falls due, or the reconciler found no call was made.
    D.CALLING: {D.PENDING, D.DONE, D.CANCELLED},
})

APPLICATION = Machine(ApplicationStatus, {
    ApplicationStatus.APPLIED: {ApplicationStatus.CONFIRMED, ApplicationStatus.DECLINED},
    ApplicationStatus.CONFIRMED: {ApplicationStatus.APPROVED, ApplicationStatus.DECLINED},
})

MEMBERSHIP = Machine(MembershipStatus, {
    MembershipStatus.APPROVED: {MembershipStatus.ACTIVE, MembershipStatus.PAYMENT_DUE},
    MembershipStatus.ACTIVE: {MembershipStatus.PAYMENT_DUE},
    MembershipStatus.PAYMENT_DUE: {MembershipStatus.ACTIVE},
})

MAIL = Machine(MailStatus, {
    MailStatus.QUEUED: {MailStatus.SENDING},
    # Back to queued: a temporary SMTP failure, or a worker that died holding it.
    MailStatus.SENDING: {MailStatus.SENT, MailStatus.FAILED, MailStatus.QUEUED},
})

# A call attempt only moves forward through these ranks (DESIGN.md "Broadcasts"): a
# callback may skip a step, never go back one. `queued` and `initiated` share a rank.
ATTEMPT_RANK: dict[AttemptStatus, int] = {
    A.DIALING: 0, A.QUEUED: 1, A.INITIATED: 1, A.RINGING: 2, A.IN_PROGRESS: 3,
    A.COMPLETED: 4, A.BUSY: 4, A.NO_ANSWER: 4, A.FAILED: 4, A.CANCELED: 4,
}
ATTEMPT = Machine(AttemptStatus, {
    old: {new for new, rank in ATTEMPT_RANK.items() if rank > old_rank}
    for old, old_rank in ATTEMPT_RANK.items()
})
