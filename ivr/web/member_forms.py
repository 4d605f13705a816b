"""The member forms: one member's details, the upload, the confirmations (CSRF: Flask-WTF).

A member's details are checked by the import's own code (`members_csv.check_fields`),
so the web and `flask --app ivr member import` accept and refuse the same numbers; each
problem is shown next to its field, in the reader's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TelField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from callflows.prompts import LANGUAGES
from domain.members_csv import MemberRow, check_fields
from domain.models import Member
from ivr.web.i18n import LANGUAGE_NAMES

MESSAGES = {
    "name": _l("Fill in the name."),
    "phone": _l("Enter a landline or mobile number, e.g. 0477 12 34 56 or 03 620 29 29. "
                "Premium-rate, toll-free, shared-cost and foreign numbers are refused."),
    "phone2": _l("Enter a landline or mobile number, or leave this empty."),
    "email": _l("Enter an e-mail address like name@example.be, or leave this empty."),
    "language": _l("Choose one of the languages."),
    "channel": _l("Choose e-mail, SMS or none."),
}
# domain.channels.problem's sentences, said to the person filling in the form.
CHANNEL_MESSAGES = {
    "channel email needs an e-mail address": _l(
        "E-mail needs an e-mail address: fill one in, or choose SMS or none."),
    "channel sms is for members without an e-mail address": _l(
        "SMS is for members without an e-mail address: with an address, messages come "
        "by e-mail."),
    "channel sms needs a mobile number": _l(
        "SMS needs a mobile number (04..): enter one as first or second number."),
}
PHONE = {"render_kw": {"autocomplete": "tel", "inputmode": "tel"}}


def _length(column: str) -> Length:
    return Length(max=Member.__table__.c[column].type.length)


class MemberForm(FlaskForm):
    bin = SelectField(_l("BIN"), coerce=int, validate_choice=True)
    name = StringField(_l("Name"), validators=[DataRequired(MESSAGES["name"]), _length("name")],
                       render_kw={"autocomplete": "name"})
    street = StringField(_l("Street"), validators=[Optional(), _length("street")])
    house_number = StringField(_l("House number"),
                               validators=[Optional(), _length("house_number")])
    postcode = StringField(_l("Postcode"), validators=[Optional(), _length("postcode")],
                           render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    municipality = StringField(_l("Municipality"),
                               validators=[Optional(), _length("municipality")])
    phone = TelField(_l("Phone number"), validators=[DataRequired(MESSAGES["phone"])], **PHONE)
    phone2 = TelField(_l("Second number (optional)"), **PHONE)
    language = SelectField(_l("Language of the calls"), default="nl",
                           choices=[SelectChoice(code, LANGUAGE_NAMES.get(code, code))
                                    for code in LANGUAGES])
    email = EmailField(_l("E-mail address (optional)"),
                       validators=[Optional(), _length("email")],
                       render_kw={"autocomplete": "email"})
    channel = SelectField(
        _l("Written messages (tips, feedback) by"), default="",
        choices=[SelectChoice("", _l("e-mail if there is an address, else none")),
                 SelectChoice("email", _l("e-mail")), SelectChoice("sms", _l("SMS")),
                 SelectChoice("none", _l("none"))])

    def process(self, *args, **kwargs) -> None:
        """A stored NULL channel (the default rule) shows as the rule's choice."""
        super().process(*args, **kwargs)
        if self.channel.data is None or self.channel.data == "None":
            self.channel.data = ""

    def member_row(self, bin_code: str) -> MemberRow | None:
        """The details as the import would store them, or None with each field's error."""
        row = {name: (getattr(self, name).data or "").strip() for name in
               ("name", "street", "house_number", "postcode", "municipality", "phone",
                "phone2", "language", "email", "channel")}
        row["bin_code"] = bin_code
        parsed, problems = check_fields(row, {bin_code},
                                        current_app.config["ALLOWED_COUNTRIES"])
        for column, _message in problems:
            field = getattr(self, column, None)
            if field is not None and not field.errors:
                field.errors = [CHANNEL_MESSAGES.get(_message) or
                                MESSAGES.get(column, _l("This value is too long."))]
        return parsed


class ImportForm(FlaskForm):
    file = FileField(_l("Member list (.csv or .xlsx)"),
                     validators=[FileRequired(_l("Choose a file to import."))],
                     render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-"
                                          "officedocument.spreadsheetml.sheet"})


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


def bin_choices(bins) -> list[SelectChoice]:
    return [SelectChoice(b.id, f"{b.code} {b.name}") for b in bins]


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, erase this person and all their data. This cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm the erasure."))])


class RemoveForm(FlaskForm):
    bin = SelectField(_l("Remove from"), coerce=int, validate_choice=False)
