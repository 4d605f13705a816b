"""The forms of the join journey: the application, the member's own corrections, the
coordinator's decisions and settings, the request for a new personal link (CSRF:
Flask-WTF). Details are checked by the import's own code (MemberForm.member_row), so a
number refused by `member import` is refused here too."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ivr.web.member_forms import MemberForm

ADDRESS = {
    "street": _l("Fill in your street."),
    "house_number": _l("Fill in your house number, e.g. 10, 10A or 10 bus 2."),
    "postcode": _l("Fill in your postcode, e.g. 2990."),
}


class JoinForm(MemberForm):
    """The public application form; field names are the member CSV's columns."""

    bin = RadioField(_l("Which BIN do you want to join?"), coerce=str, validate_choice=False)
    street = StringField(_l("Street"), validators=[DataRequired(ADDRESS["street"]),
                                                   Length(max=200)],
                         render_kw={"autocomplete": "address-line1"})
    house_number = StringField(_l("House number"),
                               validators=[DataRequired(ADDRESS["house_number"]),
                                           Length(max=20)])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(ADDRESS["postcode"]),
                                                       Length(max=10)],
                           render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    phone = TelField(
        _l("Number to call first"),
        validators=[DataRequired(_l("Enter the number we should call."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    phone2 = TelField(
        _l("Second number (optional)"), render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("E-mail address (optional)"), validators=[Optional(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    consent = BooleanField(
        _l("I have read the privacy statement and the house rules and I agree to them."),
        validators=[DataRequired(_l("Tick the box to agree, or we cannot add you."))])
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by form robots.
    website = StringField(_l("Leave this field empty"),
                          render_kw={"autocomplete": "off", "tabindex": "-1"})


class MyDetailsForm(MemberForm):
    """The member's own corrections: the same fields and checks, no BIN to choose."""

    bin = None


class DecideForm(FlaskForm):
    """Approve: the button is the whole form."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to the applicant)"),
        validators=[DataRequired(_l("Write why you decline: the applicant reads it.")),
                    Length(max=2000)])


class BinTextsForm(FlaskForm):
    privacy_statement = TextAreaField(_l("Privacy statement"), validators=[Length(max=20000)],
                                      render_kw={"rows": 10})
    house_rules = TextAreaField(_l("House rules"), validators=[Length(max=20000)],
                                render_kw={"rows": 10})


class LinkRequestForm(FlaskForm):
    email = EmailField(_l("Your e-mail address"),
                       validators=[DataRequired(_l("Fill in your e-mail address.")),
                                   Length(max=254)],
                       render_kw={"autocomplete": "email"})


class LeaveForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, remove me from the BIN and erase my data."),
        validators=[DataRequired(_l("Tick the box to confirm that you want to leave."))])


class PersonalLinkForm(FlaskForm):
    """The coordinator's button for a member without e-mail."""
