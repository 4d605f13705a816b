"""CTFd-style factories: `make_*(db, **overrides)` returns a stored row."""

from __future__ import annotations

import itertools

from domain.models import Bin, Member, Membership, Officer
from domain.pins import hash_pin

_seq = itertools.count(1)


def make_bin(db, **overrides) -> Bin:
    n = next(_seq)
    fields = {"code": str(10 + n), "name": f"BIN {n}", "municipality": "Grensdorp"}
    fields.update(overrides)
    row = Bin(**fields)
    db.session.add(row)
    db.session.commit()
    return row


def make_member(db, bins: list[Bin] | None = None, **overrides) -> Member:
    n = next(_seq)
    fields = {
        "name": f"Lid {n}", "phone": f"+32470{n:06d}", "phone_type": "mobile",
        "language": "nl", "street": "Kerkstraat", "house_number": str(n), "postcode": "2990",
        "municipality": "Grensdorp",
    }
    fields.update(overrides)
    member = Member(**fields)
    db.session.add(member)
    db.session.flush()
    for b in bins or []:
        db.session.add(Membership(member_id=member.id, bin_id=b.id))
    db.session.commit()
    return member


def make_officer(db, pin: str = "246810", **overrides) -> Officer:
    n = next(_seq)
    fields = {"number": str(4700 + n), "name": f"Agent {n}", "pin_hash": hash_pin(pin)}
    fields.update(overrides)
    officer = Officer(**fields)
    db.session.add(officer)
    db.session.commit()
    return officer


def make_message(db, bins: list[Bin] | None = None, audio_s: float = 2.0, **overrides):
    """A confirmed message with processed audio (a generated tone), targeting `bins`."""
    import hashlib

    from audio import tone_wav
    from domain.models import Message, MessageBin, utcnow

    wav = tone_wav(audio_s)
    fields = {
        "kind": "urgent", "status": "confirmed", "recorded_from": "+32470999000",
        "audio_status": "ready", "audio_wav": wav, "audio_sha256": hashlib.sha256(wav).hexdigest(),
        "audio_duration_ms": int(audio_s * 1000), "confirmed_at": utcnow(),
    }
    fields.update(overrides)
    message = Message(**fields)
    db.session.add(message)
    db.session.flush()
    for b in bins or []:
        db.session.add(MessageBin(message_id=message.id, bin_id=b.id))
    db.session.commit()
    return message


def make_call_attempt(db, member, message, status: str = "ringing", call_sid: str | None = None,
                      **overrides):
    """A call under way: the member's delivery of `message` (calling, first attempt) and
    its call attempt in `status`."""
    from domain.models import CallAttempt, Delivery

    delivery = Delivery(message_id=message.id, member_id=member.id, phone=member.phone,
                        status="calling", attempts=1)
    db.session.add(delivery)
    db.session.flush()
    fields = {"delivery_id": delivery.id, "attempt_no": 1, "to_number": member.phone,
              "status": status, "call_sid": call_sid}
    fields.update(overrides)
    attempt = CallAttempt(**fields)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def make_pending_recording(db, url: str, sid: str = "RE1", **overrides):
    """A message still on the recording line whose take `sid` at `url` awaits processing."""
    from domain.models import Message

    fields = {"kind": "urgent", "status": "recording", "officer_id": make_officer(db).id,
              "recording_sid": sid, "recording_url": url, "audio_status": "pending"}
    fields.update(overrides)
    message = Message(**fields)
    db.session.add(message)
    db.session.commit()
    return message


_password_hashes: dict[str, str] = {}
WEB_PASSWORD = "correct horse battery"


def make_web_user(db, role: str = "coordinator", bins: list[Bin] | None = None,
                  password: str = WEB_PASSWORD, enrolled: bool = True, **overrides):
    """A web user; police roles get a TOTP secret, confirmed unless `enrolled=False`.

    The argon2 hash of each password is computed once per test session (it is slow on
    purpose) and reused."""
    import pyotp

    from domain.models import WebUser, WebUserBin, utcnow
    from domain.web_users import hash_password

    if password not in _password_hashes:
        _password_hashes[password] = hash_password(password)
    n = next(_seq)
    police = role != "coordinator"
    fields = {"email": f"user{n}@web.example", "name": f"Gebruiker {n}", "role": role,
              "password_hash": _password_hashes[password], "language": "nl",
              "totp_secret": pyotp.random_base32() if police else None,
              "totp_confirmed_at": utcnow() if police and enrolled else None}
    fields.update(overrides)
    user = WebUser(**fields)
    user.bins = [WebUserBin(bin_id=b.id) for b in bins or []]
    db.session.add(user)
    db.session.commit()
    return user


# members pages


# broadcast pages


def make_delivery(db, message, member=None, outcome: str | None = None,
                  attempts: list[dict] | None = None, **overrides):
    """A delivery of `message` to `member` with its call attempts as stored by the engine:
    `attempts` is a list of CallAttempt fields (status, answered_by, duration_s, times...);
    the delivery is done with `outcome` when given, pending otherwise."""
    from domain.models import CallAttempt, Delivery

    fields = {"message_id": message.id, "member_id": member.id if member else None,
              "phone": member.phone if member else "+32470999999",
              "phone2": member.phone2 if member else None,
              "status": ("cancelled" if outcome == "cancelled" else "done") if outcome
              else "pending", "outcome": outcome, "attempts": len(attempts or [])}
    fields.update(overrides)
    delivery = Delivery(**fields)
    db.session.add(delivery)
    db.session.flush()
    for n, attempt in enumerate(attempts or [], start=1):
        db.session.add(CallAttempt(**{"delivery_id": delivery.id, "attempt_no": n,
                                      "to_number": delivery.phone, "status": "completed",
                                      "call_sid": f"CAweb{delivery.id:06d}{n}", **attempt}))
    db.session.commit()
    return delivery


# admin pages


def make_lockout(db, kind: str = "caller", subject: str = "+32470555111", minutes: int = 15,
                 **overrides):
    """A running lockout (as the recording line writes it after five failures)."""
    from datetime import timedelta

    from domain.models import Lockout, utcnow

    fields = {"kind": kind, "subject": subject, "until": utcnow() + timedelta(minutes=minutes)}
    fields.update(overrides)
    lock = Lockout(**fields)
    db.session.add(lock)
    db.session.commit()
    return lock


# zones

def make_zone(db, bin_, rows: list[tuple], municipality: str = "Grensdorp") -> list:
    """Zone rows (postcode, street, from, to, parity) of `bin_`, as an import stores them;
    every process's index sees them (domain.zones.changed)."""
    from domain import zones
    from domain.models import BinStreet

    made = [BinStreet(bin_id=bin_.id, postcode=postcode, street=street,
                      street_key=zones.street_key(street), municipality=municipality,
                      house_from=house_from, house_to=house_to, parity=parity)
            for postcode, street, house_from, house_to, parity in rows]
    db.session.add_all(made)
    db.session.commit()
    zones.changed()
    return made


# applications and the member's page


def make_application(db, bin_, **overrides):
    """An application to `bin_`, confirmed (in the coordinator's inbox) unless told."""
    from domain.models import Application, utcnow

    n = next(_seq)
    fields = {"bin_id": bin_.id, "status": "confirmed", "name": f"Aanvrager {n}",
              "street": "Kerkstraat", "house_number": str(n), "postcode": "2990",
              "municipality": "Grensdorp", "phone": f"+32471{n:06d}", "phone_type": "mobile",
              "language": "nl", "consent_at": utcnow(), "confirmed_at": utcnow()}
    fields.update(overrides)
    row = Application(**fields)
    db.session.add(row)
    db.session.commit()
    return row


def make_member_link(db, member, days: int = 30) -> str:
    """A personal link of `member` (`days` < 0: expired); returns its token."""
    from domain.member_page import make_link
    from domain.models import utcnow

    token = make_link(member, utcnow(), days=days)
    db.session.commit()
    return token


# contributions
def make_paying_bin(db, fee_cents: int = 500, **overrides) -> Bin:
    """A BIN that asks a yearly contribution, paid to a valid Belfius test account."""
    return make_bin(db, **{"fee_cents": fee_cents, "iban": "BE71096123456769",
                           "bic": "GKCCBEBB", **overrides})


def make_contribution(db, member, bin_, year: int = 2026, paid: bool = False, **overrides):
    """`member`'s contribution to `bin_` for `year` (the membership made if missing)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from domain.contributions import reference_for
    from domain.models import Contribution

    membership = db.session.scalar(select(Membership).where(
        Membership.member_id == member.id, Membership.bin_id == bin_.id))
    if membership is None:
        membership = Membership(member_id=member.id, bin_id=bin_.id)
        db.session.add(membership)
        db.session.flush()
    fields = {"membership_id": membership.id, "year": year,
              "amount_cents": bin_.fee_cents or 500,
              "reference": reference_for(membership.id, year)}
    if paid:
        fields.update(paid_at=datetime(year, 2, 1, 11, tzinfo=UTC), paid_via="manual",
                      paid_cents=fields["amount_cents"], marked_by="test")
    fields.update(overrides)
    row = Contribution(**fields)
    db.session.add(row)
    db.session.commit()
    return row

