"""Which written channel a member gets: e-mail, SMS or none (issue 14, item 2).

Urgent calls always use the phone; this is only for written messages (tips, feedback).
A member's stored `channel` is their choice, or NULL for the default rule: e-mail when
there is an address, else none. SMS costs the BIN money per segment, so it is for
members without e-mail who chose it, and it needs a mobile number (Belgian +324…).

A choice that cannot be honoured is refused where it is made (`problem`: an import line,
a form field), so a stored choice always matches what the member gets; `written_channel`
still never fails on data changed elsewhere: it falls back to e-mail or none.
"""

from __future__ import annotations

from typing import Protocol

EMAIL, SMS, NONE = "email", "sms", "none"
CHANNELS = (EMAIL, SMS, NONE)
MOBILE = "mobile"  # domain.numbers.PhoneNumber.kind


class HasContact(Protocol):
    channel: str | None
    email: str | None
    phone: str
    phone_type: str
    phone2: str | None
    phone2_type: str | None


def normalise(value: str | None) -> str | None:
    """A cell or form value as stored: the choice in lower case, or None for the rule."""
    value = (value or "").strip().lower()
    return value or None


def problem(channel: str | None, email: str | None, phone_type: str | None,
            phone2_type: str | None = None) -> str | None:
    """Why `channel` cannot be this member's choice (an English sentence), or None."""
    if channel is None:
        return None
    if channel not in CHANNELS:
        return f"channel {channel!r} is not one of {' '.join(CHANNELS)}"
    if channel == EMAIL and not email:
        return "channel email needs an e-mail address"
    if channel == SMS and email:
        return "channel sms is for members without an e-mail address"
    if channel == SMS and MOBILE not in (phone_type, phone2_type):
        return "channel sms needs a mobile number"
    return None


def written_channel(channel: str | None, email: str | None, phone_type: str | None,
                    phone2_type: str | None = None) -> str:
    """`email`, `sms` or `none`: how written messages reach this member."""
    if channel == NONE:
        return NONE
    if email:
        return EMAIL
    if channel == SMS and MOBILE in (phone_type, phone2_type):
        return SMS
    return NONE


def of(member: HasContact) -> str:
    """`written_channel` of a stored member (or application)."""
    return written_channel(member.channel, member.email, member.phone_type,
                           member.phone2_type)


def sms_number(member: HasContact) -> str | None:
    """The number an SMS goes to: the first mobile one, when the member gets SMS."""
    if of(member) != SMS:
        return None
    return member.phone if member.phone_type == MOBILE else member.phone2
