"""The carrier's price of each call, fetched until known.

Twilio puts `price` and `price_unit` on the Call resource some time after the call ended
(seconds to hours), never in the status callback. So a finished answered call gets
`price_check_at = ended + PRICE_CHECK_DELAY_S`; a reconciler pass (`fetch_prices`) fetches
the calls that are due, stores the price as a positive cost, and otherwise counts the
check and backs off, giving up after PRICE_CHECK_MAX checks (the call then stays
"unpriced" in domain.costs). A call that was never answered (busy, no-answer, failed,
canceled) costs nothing at Twilio: it gets price 0 at once, no request needed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select
from twilio.base.exceptions import TwilioException, TwilioRestException

from domain import carrier
from domain.db import db
from domain.models import CallAttempt
from domain.status import AttemptStatus

log = logging.getLogger(__name__)
BATCH = 200  # calls fetched per reconciler pass: the pass must not hold up the others
MAX_BACKOFF = 16  # the wait between checks grows to 16 x PRICE_CHECK_DELAY_S


def price_fields(status: str, ended: datetime) -> dict:
    """The price columns of an attempt that just reached its final `status`, as the bind
    parameters of outcomes' finishing UPDATE."""
    if status == AttemptStatus.COMPLETED:
        delay = timedelta(seconds=current_app.config["PRICE_CHECK_DELAY_S"])
        return {"p_price": None, "p_price_unit": None, "p_price_check_at": ended + delay}
    return {"p_price": Decimal(0), "p_price_unit": current_app.config["COST_UNIT"],
            "p_price_check_at": None}


def parse_price(price: object) -> Decimal | None:
    """Twilio's price ("-0.15000": money leaving the account) as a positive cost."""
    if price is None or price == "":
        return None
    try:
        return abs(Decimal(str(price)))
    except InvalidOperation:
        return None


def fetch_prices(now: datetime) -> int:
    """Reconciler pass: fetch the calls whose price check is due; returns prices stored."""
    due = db.session.scalars(
        select(CallAttempt).where(CallAttempt.price_check_at <= now,
                                  CallAttempt.price.is_(None))
        .order_by(CallAttempt.price_check_at).limit(BATCH)).all()
    stored = 0
    for attempt in due:
        try:
            price, unit = _fetch(attempt.call_sid)
        except TwilioRestException as exc:  # e.g. 404: the call is gone at the carrier
            log.warning("attempt %s: price fetch refused (%s)", attempt.id, exc.status)
            price, unit = None, None
        except (TwilioException, OSError) as exc:
            log.warning("price checks paused: carrier unreachable (%s)", type(exc).__name__)
            break  # try again at the next pass, without counting a check
        if price is not None:
            attempt.price, attempt.price_unit = price, unit
            attempt.price_check_at = None
            stored += 1
        else:
            _back_off(attempt, now)
        db.session.commit()
    return stored


def _fetch(call_sid: str | None) -> tuple[Decimal | None, str | None]:
    if not call_sid:
        return None, None
    call = carrier.client().calls(call_sid).fetch()
    unit = (call.price_unit or current_app.config["COST_UNIT"]).upper()
    return parse_price(call.price), unit


def _back_off(attempt: CallAttempt, now: datetime) -> None:
    """One more check without a price: wait longer, or give up after PRICE_CHECK_MAX."""
    attempt.price_checks += 1
    config = current_app.config
    if attempt.price_checks >= config["PRICE_CHECK_MAX"]:
        attempt.price_check_at = None
        log.warning("attempt %s: no price after %s checks; left unpriced",
                    attempt.id, attempt.price_checks)
        return
    factor = min(2 ** attempt.price_checks, MAX_BACKOFF)
    attempt.price_check_at = now + timedelta(seconds=config["PRICE_CHECK_DELAY_S"] * factor)
