"""Helpers for the join journey's tests: a zone street, the form, mails delivered now.

Zone streets are stored as the zone import stores them (tests.factories.make_zone)."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain import mail
from domain.db import db
from domain.models import BinStreet, OutboundMail
from domain.status import MailStatus
from tests.factories import make_zone

FORM = {"name": "Mieke Janssens", "street": "Kerkstraat", "house_number": "12",
        "postcode": "2990", "municipality": "Grensdorp", "phone": "03 620 11 22",
        "phone2": "0477 12 34 56", "language": "nl", "email": "mieke@example.be",
        "consent": "y"}
LINK = re.compile(r"https?://\S+?/(?:join/confirm|me)/[A-Za-z0-9_-]+")


def zone_street(bin_, street: str = "Kerkstraat", postcode: str = "2990") -> BinStreet:
    """The whole street in `bin_`'s zone, stored as the zone import stores it."""
    return make_zone(db, bin_, [(postcode, street, None, None, "all")])[0]


def deliver_mails() -> int:
    """Send every queued mail now, as the RQ job would (domain.mail.send)."""
    db.session.expire_all()
    ids = list(db.session.scalars(select(OutboundMail.id).where(
        OutboundMail.status == MailStatus.QUEUED)))
    for mail_id in ids:
        mail.send(mail_id)
    return len(ids)


def link_in(text: str) -> str:
    """The path of the confirmation or personal link in a mail's text."""
    match = LINK.search(text)
    assert match, text
    return "/" + match.group().split("/", 3)[3]
