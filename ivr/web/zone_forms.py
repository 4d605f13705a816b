"""Forms of the public address check, the contact form and the zone pages (Flask-WTF).

The address check is a GET form (its answer is a page one may bookmark or share), so it
has no CSRF token: it changes nothing. The contact form and every zone edit are POSTs
with a token. A zone row is checked by the import's own code (`zones_csv.check_fields`),
so the web and `flask --app ivr zone import` accept and refuse the same rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError

from domain import zones
from domain.zones_csv import ZoneRow, check_fields

POSTCODE_MESSAGE = _l("Enter the 4 digits of your postcode, e.g. 2990.")
NUMBER_MESSAGE = _l("Enter your house number, e.g. 12, 12A or 12 bus 3.")


class AddressForm(FlaskForm):
    """Is my address in a BIN? (GET, no token: it only reads.)"""

    class Meta:
        csrf = False

    postcode = StringField(_l("Postcode"), validators=[
        DataRequired(POSTCODE_MESSAGE), Regexp(r"^\s*[1-9][0-9]{3}\s*$", message=POSTCODE_MESSAGE)],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 4})
    street = StringField(_l("Street"), validators=[
        DataRequired(_l("Enter the name of your street.")), Length(max=200)],
        render_kw={"autocomplete": "address-line1"})
    number = StringField(_l("House number"), validators=[
        DataRequired(NUMBER_MESSAGE), Length(max=20)], render_kw={"maxlength": 20})

    def validate_number(self, field) -> None:
        try:
            zones.house_number(field.data or "")
        except zones.BadNumber:
            raise ValidationError(NUMBER_MESSAGE) from None


class ContactForm(FlaskForm):
    """A resident's message to a BIN's coordinator; `website` is the honeypot."""

    name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Fill in your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"})
    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(_l("Enter an e-mail address like name@example.be, so the coordinator "
                        "can answer.")),
        Email(_l("Enter an e-mail address like name@example.be, so the coordinator can "
                 "answer.")), Length(max=254)],
        render_kw={"autocomplete": "email"})
    message = TextAreaField(_l("Your message"), validators=[
        DataRequired(_l("Write your message.")),
        Length(max=4000, message=_l("Keep your message under 4000 characters."))],
        render_kw={"rows": 6})
    # Hidden from people (CSS and aria-hidden); bots fill in every field they find.
    website = StringField(_l("Leave this field empty"), render_kw={
        "autocomplete": "off", "tabindex": "-1"})


PARITY_CHOICES = [SelectChoice("all", _l("all numbers")), SelectChoice("even", _l("even")),
                  SelectChoice("odd", _l("odd"))]
ROW_MESSAGES = {
    "postcode": _l("Enter the 4 digits of the postcode, e.g. 2990."),
    "street": _l("Fill in the street."),
    "from": _l("Enter a whole house number (e.g. 2), or leave this empty for the start "
               "of the street."),
    "to": _l("Enter a whole house number not lower than the first one, or leave this "
             "empty for the end of the street."),
    "parity": _l("Choose all, even or odd numbers."),
    "municipality": _l("This value is too long."),
    "overlap": _l("This range overlaps another row of the same street in this zone."),
}


class ZoneRowForm(FlaskForm):
    """One street (or range of it) of a zone."""

    street = StringField(_l("Street"), validators=[DataRequired(ROW_MESSAGES["street"])])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(ROW_MESSAGES["postcode"])],
                           render_kw={"inputmode": "numeric", "maxlength": 4})
    municipality = StringField(_l("Municipality"))
    house_from = StringField(_l("From number (optional)"), render_kw={"inputmode": "numeric"})
    house_to = StringField(_l("To number (optional)"), render_kw={"inputmode": "numeric"})
    parity = SelectField(_l("Numbers"), choices=PARITY_CHOICES, default="all")

    def zone_row(self, bin_code: str) -> ZoneRow | None:
        """The row as the import would store it, or None with each field's error."""
        row = {"bin_code": bin_code, "street": (self.street.data or "").strip(),
               "postcode": (self.postcode.data or "").strip(),
               "municipality": (self.municipality.data or "").strip(),
               "from": (self.house_from.data or "").strip(),
               "to": (self.house_to.data or "").strip(), "parity": self.parity.data or ""}
        parsed, problems = check_fields(row, {bin_code})
        fields = {"from": self.house_from, "to": self.house_to}
        for column, _message in problems:
            target = fields.get(column) or getattr(self, column, None)
            if target is not None and not target.errors:
                target.errors = [ROW_MESSAGES.get(column, _l("This value is too long."))]
        return parsed


class ZoneUploadForm(FlaskForm):
    file = FileField(_l("Zone list (.csv)"),
                     validators=[FileRequired(_l("Choose a file to import."))],
                     render_kw={"accept": ".csv,text/csv"})


class ConfirmZoneImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class RemoveRowForm(FlaskForm):
    """Just the token: removing a row is one click after the page asked."""
