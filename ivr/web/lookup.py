"""The public address check: is my address in a BIN, and a contact form to its coordinator.

Anyone may ask (no sign-in), so what it tells is what a flyer would: the BIN's name, the
coordinator's name and how to join. Never the coordinator's e-mail address or phone: a
resident writes through the contact form and the coordinator answers from their own
mailbox (Reply-To). Both pages are rate-limited per address (ivr.web.throttle), so the
zone list cannot be read out street by street in a hurry."""

from __future__ import annotations

import logging
from email.utils import formataddr
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from sqlalchemy import select

from domain import zones
from domain.db import db
from domain.models import Bin, WebUser
from ivr import mail_compose
from ivr.web.i18n import LANGUAGES
from ivr.web.permissions import public
from ivr.web.zone_forms import AddressForm, ContactForm

bp = Blueprint("lookup", __name__)
log = logging.getLogger(__name__)
JOIN_PATH = "/join"  # the join form (ivr/web/join.py) takes the address prefilled


def _wants_json() -> bool:
    accepted = request.accept_mimetypes
    return accepted.best_match(["text/html", "application/json"]) == "application/json" \
        and accepted["application/json"] > accepted["text/html"]


def join_url(postcode: str, street: str, number: str) -> str:
    """The join form with this address filled in (the member CSV's column names)."""
    return JOIN_PATH + "?" + urlencode({"postcode": postcode, "street": street,
                                        "house_number": number})


@bp.route("/zone")
@public
def check():
    """Ask for an address; with postcode, street and number, say which BIN it lies in."""
    form = AddressForm(request.args)
    asked = any(request.args.get(name) for name in ("postcode", "street", "number"))
    if not asked or not form.validate():
        if _wants_json():
            return jsonify({"bin": None, "bins": [],
                            "errors": {k: [str(m) for m in v] for k, v in form.errors.items()}
                            if asked else {"address": ["postcode, street and number"]}}), 400
        return render_template("lookup/check.html", form=form, asked=asked, answered=False)
    postcode, street, number = (form.postcode.data.strip(), form.street.data.strip(),
                                form.number.data.strip())
    if _wants_json():  # codes straight from the index: no query at all
        codes = [r.bin_code for r in zones.match(postcode, street, number)]
        return jsonify({"bin": codes[0] if codes else None, "bins": codes})
    found = zones.find_bins(postcode, street, number)
    return render_template("lookup/check.html", form=form, asked=True, answered=True,
                           bins=found, join=join_url(postcode, street, number),
                           address=f"{street} {number}, {postcode}")


def _bin_or_404(code: str) -> Bin:
    found = db.session.scalar(select(Bin).where(Bin.code == code)) if code.isdigit() else None
    if found is None:
        abort(404)
    return found


def _coordinator_language(b: Bin) -> str:
    """The coordinator's own language when they have an account, else Dutch."""
    user = db.session.scalar(select(WebUser).where(WebUser.email == b.coordinator_email))
    return user.language if user is not None and user.language in LANGUAGES else "nl"


@bp.route("/bins/<code>/contact", methods=["GET", "POST"])
@public
def contact(code: str):
    """Write to a BIN's coordinator; the coordinator's address is never shown."""
    b = _bin_or_404(code)
    police = (current_app.config["POLICE_ZONE_NAME"], current_app.config["POLICE_ZONE_PHONE"])
    if not b.coordinator_email:
        return render_template("lookup/contact.html", bin=b, form=None, police=police)
    form = ContactForm()
    if not form.validate_on_submit():
        return render_template("lookup/contact.html", bin=b, form=form, police=police)
    if form.website.data:  # the honeypot: a bot is told "sent", nothing is sent
        log.info("contact form: honeypot filled for BIN %s, nothing sent", b.code)
        return render_template("lookup/sent.html", bin=b)
    name = " ".join(form.name.data.split())
    mail_compose.send(mail_compose.Mail(
        kind="zone_contact", to=b.coordinator_email, language=_coordinator_language(b),
        reply_to=formataddr((name, form.email.data.strip())),
        context={"bin": b, "name": name, "email": form.email.data.strip(),
                 "message": form.message.data.strip()}))
    db.session.commit()
    return render_template("lookup/sent.html", bin=b)
