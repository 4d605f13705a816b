"""A person stored in every table that can hold them, and a search of every table for them.

`seed_person` puts one resident in every place the app writes personal data (member,
memberships, a paid contribution, applications, a personal link, mails, inbound calls,
failed sign-ins, a live call's state, audit entries, deliveries and call attempts);
`traces` reads every string, text, JSON and binary column of every table in the metadata
(so a table added later is searched too) for their name, numbers, address and e-mail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import JSON, LargeBinary, String, Text, select

from domain.db import db
from domain.models import (
    AuditLog,
    AuthFailure,
    CallSession,
    InboundCall,
    Lockout,
    OutboundMail,
    audit,
)
from tests.factories import (
    make_application,
    make_contribution,
    make_delivery,
    make_member,
    make_member_link,
    make_message,
)

NAME = "Zoë Vermeersch-Erasmus"
PHONE = "+32470918273"
PHONE2 = "+3236918274"
EMAIL = "zoe.vermeersch@voorbeeld.test"
STREET = "Geheimzinnigestraat"
# What must be found nowhere: also the numbers' national digits, in any format.
NEEDLES = (NAME, "Vermeersch", PHONE, PHONE2, "470918273", "36918274", EMAIL, STREET)


@dataclass
class Seeded:
    member: object
    bystander: object
    alert: object
    pending: object


def seed_person(bin_, other_bin) -> Seeded:
    """The person in two BINs with a history, and a bystander with one of their own."""
    person = make_member(db, bins=[bin_, other_bin], name=NAME, phone=PHONE, phone2=PHONE2,
                         phone2_type="landline", email=EMAIL, street=STREET, house_number="77")
    bystander = make_member(db, bins=[bin_], name="Omer Buur", phone="+32470555001")
    make_contribution(db, person, bin_, year=2026, paid=True, paid_note=f"betaald {NAME}")
    make_contribution(db, bystander, bin_, year=2026, paid=False)
    make_application(db, bin_, name=NAME, phone=PHONE, email=EMAIL, street=STREET,
                     status="approved", member_id=person.id)
    make_application(db, other_bin, name=NAME, phone=PHONE2, status="declined",
                     decline_reason=f"{NAME} woont buiten de zone")  # not linked: by number
    make_member_link(db, person)
    now = datetime.now(UTC)
    db.session.add_all([
        OutboundMail(kind="link", to_address=EMAIL.upper(), subject=f"Uw pagina, {NAME}",
                     message_id="<erase-1@buurtlijn.test>", member_id=person.id,
                     body=f"To: {EMAIL}\r\n\r\nDag {NAME}".encode()),
        OutboundMail(kind="welcome", to_address="omer@voorbeeld.test", subject="Welkom",
                     message_id="<erase-2@buurtlijn.test>", member_id=bystander.id),
        InboundCall(call_sid="CAin0001", from_number=PHONE, to_number="+32477777755",
                    line="callback", member_id=person.id),
        InboundCall(call_sid="CAin0002", from_number=PHONE2, line="recording"),
        AuthFailure(officer_number="4711", caller=PHONE2, at=now),
        Lockout(kind="caller", subject=PHONE2, until=now + timedelta(minutes=5)),
        CallSession(call_sid="CAin0002", flow="recording", state={"caller": PHONE2}),
    ])
    audit(f"caller:{PHONE2}", "auth.failure", f"caller:{PHONE2}", reason="bad pin")
    audit("coordinator@bin.test", "member.edit", str(person.id), note=f"{NAME}, {STREET} 77")
    db.session.commit()
    alert = make_message(db, bins=[bin_], status="completed")
    make_delivery(db, alert, person, outcome="human", bin_id=bin_.id,
                  confirmed_at=now, attempts=[
                      {"status": "busy", "error": f"busy {PHONE}", "price": Decimal("0")},
                      {"status": "completed", "answered_by": "human", "duration_s": 75,
                       "dialed_at": now, "price": Decimal("0.16"), "price_unit": "EUR"}])
    make_delivery(db, alert, bystander, outcome="machine", bin_id=bin_.id, attempts=[
        {"status": "completed", "answered_by": "machine_end_beep", "duration_s": 20,
         "dialed_at": now, "price": Decimal("0.08"), "price_unit": "EUR"}])
    pending = make_message(db, bins=[bin_], status="sending")
    make_delivery(db, pending, person, bin_id=bin_.id)
    make_delivery(db, pending, bystander, outcome="human", bin_id=bin_.id)
    return Seeded(person, bystander, alert, pending)


def _text_columns(table) -> list:
    return [c for c in table.columns
            if isinstance(c.type, String | Text | JSON | LargeBinary)]


def _as_text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False) + json.dumps(value)
    return str(value)


def traces(needles=NEEDLES) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every value of every table that holds a needle."""
    found = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = _text_columns(table)
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = _as_text(value).casefold()
                    found += [(table.name, column.name, n) for n in needles
                              if n.casefold() in text]
    return found


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
