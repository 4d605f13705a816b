"""The mails of the join journey, composed in the reader's language: the confirmation
link, the welcome (with the caller ID's card and, when the BIN charges one, the payment
instructions and their EPC QR code), the decline and a new personal link.

Links are built from PUBLIC_BASE_URL (domain.public_urls), never from the request's Host
header, so a forged Host cannot put someone else's address into a mail."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from domain import caller_card
from domain.applications import CONFIRM_DAYS
from domain.contributions import epc_qr_png, formatted
from domain.member_page import LINK_DAYS
from domain.models import Application, Bin, Contribution, Member
from domain.public_urls import public_url
from ivr.mail_compose import Attachment, Mail, send


def card_note() -> str:
    """The vCard's note, in the current locale."""
    return _("Buurtlijn calls you from this number with a message of the police. You "
             "cannot call it back for an emergency: call 112, or 101 for the police, or "
             "your police zone.")


def card_for(bin_: Bin) -> str:
    return caller_card.vcard(bin_.name, current_app.config["CALLER_ID"], card_note())


def _link(endpoint: str, **values) -> str:
    return public_url(url_for(endpoint, **values))


def confirm(application: Application, token: str) -> None:
    send(Mail("confirm", application.email, application.language, to_name=application.name,
              context={"name": application.name, "bin": application.bin,
                       "link": _link("join.confirm", token=token), "days": CONFIRM_DAYS,
                       "current_language": application.language}),
         application_id=application.id)


def decline(application: Application) -> None:
    send(Mail("decline", application.email, application.language, to_name=application.name,
              context={"name": application.name, "bin": application.bin,
                       "reason": application.decline_reason,
                       "current_language": application.language}),
         application_id=application.id)


def welcome(member: Member, bin_: Bin, contribution: Contribution | None, token: str,
            application_id: int | None = None) -> None:
    """The welcome: the card (attached, and as a QR code), the member's page, the payment."""
    with force_locale(member.language):
        card = card_for(bin_)
    inline = {"card": caller_card.qr_png(card)}
    if contribution is not None:
        inline["epc"] = epc_qr_png(bin_, contribution)
    send(Mail("welcome", member.email, member.language, to_name=member.name,
              context={"name": member.name, "bin": bin_,
                       "caller_id": current_app.config["CALLER_ID"],
                       "contribution": contribution,
                       "reference": formatted(contribution.reference) if contribution else None,
                       "amount": f"{contribution.amount_cents / 100:.2f}".replace(".", ",")
                       if contribution else None,
                       "link": _link("me.page", token=token), "days": LINK_DAYS,
                       "current_language": member.language},
              attachments=[Attachment(caller_card.filename(bin_.name), card.encode(),
                                      "text/vcard")],
              inline=inline),
         member_id=member.id, application_id=application_id)


def personal_link(member: Member, token: str) -> None:
    send(Mail("link", member.email, member.language, to_name=member.name,
              context={"name": member.name, "link": _link("me.page", token=token),
                       "days": LINK_DAYS, "current_language": member.language}),
         member_id=member.id)
