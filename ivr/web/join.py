"""The public application form, its double opt-in link, and the 'save the number' card.

Residents never sign in. The address is checked against the zones (domain.zones), the
numbers as the member import checks them; a filled-in honeypot gets the same 'sent'
page as a person but stores nothing, and Flask-Limiter counts the applications per
address (ivr.web.throttle)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields import SelectChoice

from domain import applications, zones
from domain.caller_card import filename
from domain.db import db
from domain.models import Bin, utcnow
from ivr.web import join_mail
from ivr.web.join_forms import JoinForm
from ivr.web.permissions import public
from ivr.web.qr import qr_svg

bp = Blueprint("join", __name__, url_prefix="/join")
PREFILL = ("postcode", "street", "house_number")

# Shown when a BIN has not written its own (Bin.privacy_statement, Bin.house_rules).
GENERIC_PRIVACY = _l(
    "The BIN keeps your name, address, phone numbers, language and e-mail address only to "
    "alert you with messages from the police. Only your BIN's coordinator sees them; the "
    "police do not. You can always see, correct or erase them on your personal page. When "
    "you leave the BIN, they are erased.")
GENERIC_RULES = _l(
    "Never react to a message by calling the number back: call the police (101, or 112 in "
    "an emergency). Do not go after suspects yourself. Do not share the messages on social "
    "media. The contribution keeps the BIN running.")


def police_contact() -> dict[str, str]:
    return {"zone": current_app.config["POLICE_ZONE_NAME"],
            "phone": current_app.config["POLICE_ZONE_PHONE"]}


def texts_of(bin_: Bin) -> dict[str, str]:
    """The BIN's privacy statement and house rules, or the generic text in the reader's
    language."""
    return {"privacy": bin_.privacy_statement or GENERIC_PRIVACY,
            "rules": bin_.house_rules or GENERIC_RULES}


@bp.route("", methods=["GET", "POST"])
@public
def apply():
    """The application form: address in a zone, numbers, language, e-mail, consent."""
    form = JoinForm()
    if request.method == "GET":
        for name in PREFILL:
            getattr(form, name).data = request.args.get(name, "")[:200]
        form.language.data = str(get_locale() or "nl")  # the page's language, to change
    bins = _bins_of(form)
    form.bin.choices = [SelectChoice(b.code, b.name) for b in bins]
    if request.method == "POST" and form.website.data:
        g.application_counted = True  # a robot: it is told 'sent', nothing is stored
        return redirect(url_for("join.sent"))
    outside = not bins and all((getattr(form, n).data or "").strip() for n in PREFILL)
    if form.validate_on_submit():
        chosen = _chosen_bin(form, bins)
        row = form.member_row(chosen.code) if chosen else None
        if row is not None and _texts_were_shown(form, chosen):
            g.application_counted = True
            application, token = applications.submit(row, chosen.id, utcnow())
            if token:
                join_mail.confirm(application, token)
            db.session.commit()
            session["joined"] = {"bin": chosen.code, "mail": bool(token)}
            return redirect(url_for("join.sent"))
    texts = [(b, texts_of(b)) for b in bins] or [
        (None, {"privacy": GENERIC_PRIVACY, "rules": GENERIC_RULES})]
    return render_template("join/form.html", form=form, bins=bins, outside=outside,
                           texts=texts, shown=",".join(b.code for b in bins),
                           police=police_contact())


def _texts_were_shown(form: JoinForm, chosen: Bin) -> bool:
    """The applicant agreed to the texts on the page: a BIN's own texts, not shown before
    the address was known, must be read and agreed to first."""
    if not (chosen.privacy_statement or chosen.house_rules):
        return True
    if chosen.code in request.form.get("shown", "").split(","):
        return True
    form.consent.errors = [_("Read this BIN's privacy statement and house rules below, "
                             "and tick the box again.")]
    form.consent.data = False
    return False


def _bins_of(form: JoinForm) -> list[Bin]:
    postcode, street, number = (((getattr(form, n).data) or "").strip() for n in PREFILL)
    if not (postcode and street and number):
        return []
    return zones.find_bins(postcode, street, number)


def _chosen_bin(form: JoinForm, bins: list[Bin]) -> Bin | None:
    """The address's BIN; on a street two BINs share, the one the applicant picked."""
    if not bins:
        form.street.errors = [_("This address is not in the zone of any BIN.")]
        return None
    if len(bins) == 1:
        return bins[0]
    picked = next((b for b in bins if b.code == form.bin.data), None)
    if picked is None:
        form.bin.errors = [_("Your address lies in two BINs: choose the one you want to join.")]
    return picked


@bp.route("/sent")
@public
def sent():
    """'Check your mailbox', or, without e-mail, 'sent to the coordinator' with the card."""
    joined = session.get("joined") or {}
    bin_ = db.session.scalar(select(Bin).where(Bin.code == joined.get("bin", "")))
    return render_template("join/sent.html", bin=bin_, mail=joined.get("mail", True),
                           card=_card(bin_) if bin_ else None)


@bp.route("/confirm/<token>")
@public
def confirm(token: str):
    """The double opt-in link: the application goes to the coordinator's inbox."""
    result = applications.confirm(token[:100], utcnow())
    if result.outcome == "confirmed":
        db.session.commit()
    if result.application is None:
        return render_template("join/link_invalid.html"), 404
    if result.outcome == "expired":
        return render_template("join/link_invalid.html", expired=True), 410
    bin_ = result.application.bin
    return render_template("join/confirmed.html", bin=bin_, already=result.outcome == "already",
                           card=_card(bin_))


def _card(bin_: Bin) -> dict:
    """The 'save the number' block: the number, the vCard's QR code and its download."""
    card = join_mail.card_for(bin_)
    return {"number": current_app.config["CALLER_ID"],
            "qr": qr_svg(card, _("QR code: the BIN's number as a contact card")),
            "url": url_for("join.vcard", code=bin_.code)}


@bp.route("/card/<code>.vcf")
@public
def vcard(code: str):
    """The caller ID as a contact card (.vcf) named after the BIN."""
    bin_ = db.session.scalar(select(Bin).where(Bin.code == code[:4])) or abort(404)
    response = Response(join_mail.card_for(bin_), mimetype="text/vcard")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(bin_.name)}"'
    return response
