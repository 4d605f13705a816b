"""A BIN's year to report on: members who joined and left, an alert and a feedback with
priced calls, contributions asked and paid, and a neighbouring BIN (tests of the yearly
report, on the page, in the CSV and in a browser)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain import member_admin
from tests.factories import (
    make_bin,
    make_contribution,
    make_delivery,
    make_member,
    make_message,
    make_paying_bin,
)

DIALED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 5, 2, 10, 0, tzinfo=UTC)


def _call(seconds: int, price: str, at: datetime = DIALED, **fields) -> dict:
    return {"dialed_at": at, "duration_s": seconds, "price": Decimal(price),
            "price_unit": "EUR", **fields}


def make_year_of_bin(db):
    """BIN 11 (€5 a year) with three members and one who left; BIN 12 next door."""
    bin11 = make_paying_bin(db, code="11", name="BIN Centrum")
    bin12 = make_bin(db, code="12", name="BIN Heide")
    an = make_member(db, bins=[bin11], name="An", email="an@example.org")
    bart = make_member(db, bins=[bin11], name="Bart", phone="+3236201111", phone_type="landline")
    chris = make_member(db, bins=[bin11], name="Chris")
    gone = make_member(db, bins=[bin11], name="Dirk")
    member_admin.remove_member(gone, {bin11.id}, "test")
    neighbour = make_member(db, bins=[bin12], name="Els")
    db.session.commit()

    alert = make_message(db, bins=[bin11], kind="urgent", status="completed")
    make_delivery(db, alert, an, outcome="human", bin_id=bin11.id, confirmed_at=DIALED,
                  attempts=[_call(75, "0.30")])  # 2 started minutes on a mobile
    make_delivery(db, alert, bart, outcome="machine", bin_id=bin11.id,
                  attempts=[_call(40, "0.03")])
    make_delivery(db, alert, chris, outcome="no-answer", bin_id=bin11.id,
                  attempts=[_call(0, "0", status="no-answer"),
                            _call(0, "0", status="no-answer")])
    feedback = make_message(db, bins=[bin11, bin12], kind="feedback", status="completed")
    make_delivery(db, feedback, an, outcome="human", bin_id=bin11.id,
                  attempts=[_call(30, "0.15", at=LATER)])
    make_delivery(db, feedback, neighbour, outcome="human", bin_id=bin12.id,
                  attempts=[_call(30, "0.15", at=LATER)])
    make_message(db, bins=[bin11], kind="urgent", status="cancelled", confirmed_at=None)
    make_contribution(db, an, bin11, year=2026, paid=True)
    make_contribution(db, bart, bin11, year=2026)
    return bin11, bin12
