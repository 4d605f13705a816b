"""WTForms forms of the police admin's pages (CSRF from Flask-WTF, except the GET filter).

Domain checks answer with a reason key (domain.bins.BinError, OfficerError); REASONS
turns each into a sentence in the reader's language, on the field it is about."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from domain.models import Role
from domain.numbers import NumberRefused, parse_phone
from domain.web_users import MIN_PASSWORD_CHARS
from ivr.web.i18n import LANGUAGE_NAMES

REASONS = {
    ("code", "format"): _l("A BIN code has 1 to 4 digits."),
    ("code", "zero"): _l("0 selects all BINs on the recording line: choose another code."),
    ("code", "taken"): _l("Another BIN has this code already."),
    ("name", "empty"): _l("Fill in a name."),
    ("number", "format"): _l("An officer number has 1 to 12 digits."),
    ("number", "taken"): _l("Another officer has this number already."),
    ("pin", "format"): _l("A PIN has 6 to 12 digits."),
    ("pin", "weak"): _l("This PIN is too easy to guess (one digit repeated or a run)."),
    ("fee", "format"): _l("Write an amount in euro, such as 5 or 7,50."),
    ("fee", "negative"): _l("The contribution cannot be negative (0 is free)."),
    ("fee", "too_high"): _l("At most 500 euro a year."),
    ("iban", "invalid"): _l("This is not a valid IBAN: check the digits."),
    ("iban", "needed"): _l("A BIN that asks a contribution needs an account (IBAN)."),
    ("bic", "invalid"): _l("A BIC has 8 or 11 letters and digits, such as GKCCBEBB."),
    ("monthly_budget_cents", "format"): _l("Write an amount in euro, such as 25 or 12,50."),
    ("monthly_budget_cents", "negative"): _l("A budget cannot be negative."),
    ("monthly_budget_cents", "too_high"): _l("At most 100000 euro a month."),
}
ROLE_LABELS = {Role.ADMIN.value: _l("Police admin"), Role.DISPATCHER.value: _l("Dispatcher"),
               Role.COORDINATOR.value: _l("Coordinator")}


def reason_text(field_name: str, reason: str) -> str:
    return str(REASONS.get((field_name, reason), _l("Check what you entered and try again.")))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; the template puts them in a fieldset with a legend."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def belgian_phone(form, field) -> None:
    """An optional phone number, stored in E.164 like every number of the app."""
    if not field.data:
        field.data = None
        return
    try:
        field.data = parse_phone(field.data, current_app.config["ALLOWED_COUNTRIES"]).e164
    except NumberRefused:
        raise ValidationError(_l("Not a phone number we can call (landline or mobile)."))\
            from None


class BinForm(FlaskForm):
    code = StringField(_l("Code on the recording line"),
                       validators=[InputRequired(), Regexp(r"^[0-9]{1,4}$",
                                                           message=REASONS[("code", "format")])],
                       render_kw={"inputmode": "numeric", "maxlength": 4})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    municipality = StringField(_l("Municipality"), validators=[Optional(), Length(max=120)])
    coordinator_name = StringField(_l("Coordinator's name"),
                                   validators=[Optional(), Length(max=200)])
    coordinator_email = EmailField(_l("Coordinator's e-mail address"),
                                   validators=[Optional(), Email(), Length(max=254)])
    coordinator_phone = StringField(_l("Coordinator's phone"),
                                    validators=[Optional(), belgian_phone],
                                    render_kw={"type": "tel", "autocomplete": "off"})
    callback_replay = BooleanField(_l("Callback replay"))
    fee = StringField(_l("Yearly contribution (€)"),
                      validators=[Optional(), Length(max=12)],
                            render_kw={"inputmode": "decimal", "autocomplete": "off"})
    iban = StringField(_l("Account (IBAN)"), validators=[Optional(), Length(max=42)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    bic = StringField(_l("BIC (optional)"), validators=[Optional(), Length(max=14)],
                      render_kw={"autocomplete": "off", "spellcheck": "false"})
    monthly_budget_cents = StringField(_l("Monthly budget for calls (€)"),
                                       validators=[Optional(), Length(max=12)],
                                       render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def process(self, formdata=None, obj=None, data=None, **kwargs) -> None:
        """Shown in euro (7,50), stored in cents: the BIN's fee is put in the field as text."""
        super().process(formdata, obj, data, **kwargs)
        if obj is not None and not self.is_submitted():
            self.fee.data = euro_text(obj.fee_cents or 0)
            budget = obj.monthly_budget_cents
            self.monthly_budget_cents.data = "" if budget is None else euro_text(budget)

    def values(self) -> dict[str, object]:
        """The BIN's editable fields as the domain takes them (empty text is None)."""
        values = {name: (getattr(self, name).data or None) if name != "callback_replay"
                  else bool(self.callback_replay.data)
                  for name in ("name", "municipality", "coordinator_name", "coordinator_email",
                               "coordinator_phone", "callback_replay")}
        return {**values, **payment_values(self),
                "monthly_budget_cents": (self.monthly_budget_cents.data or "").strip()}


def euro_text(cents: int) -> str:
    """Cents as a Belgian writes euro in a field: 7,50 (0 for free)."""
    return "0" if not cents else f"{cents // 100},{cents % 100:02d}"


def payment_values(form) -> dict[str, object]:
    """The fee (as typed: domain.bins reads it), IBAN and BIC of a form that has them."""
    return {"fee_cents": (form.fee.data or "0").strip(), "iban": form.iban.data or None,
            "bic": form.bic.data or None}


class BinEditForm(BinForm):
    code = None  # a BIN's code is what officers key in: it never changes


PIN_FIELD = {"render_kw": {"inputmode": "numeric", "autocomplete": "new-password",
                           "maxlength": 12}}
PIN_CHOICES = [SelectChoice("generate", _l("Make a random PIN and show it once")),
               SelectChoice("set", _l("Set the PIN typed below"))]


class PinChoice(FlaskForm):
    how = RadioField(_l("New PIN"), choices=PIN_CHOICES, validators=[InputRequired()],
                     default="generate")
    pin = PasswordField(_l("PIN (6 to 12 digits)"), validators=[Optional()], **PIN_FIELD)

    def validate_pin(self, field) -> None:
        if self.how.data == "set" and not field.data:
            raise ValidationError(REASONS[("pin", "format")])


class OfficerForm(PinChoice):
    number = StringField(_l("Officer number"), validators=[InputRequired()],
                         render_kw={"inputmode": "numeric", "maxlength": 12})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    phone = StringField(_l("Own phone, for test messages (optional)"),
                        validators=[Optional(), belgian_phone], render_kw={"type": "tel"})


class ConfirmForm(FlaskForm):
    """The second step of a destructive action: the same POST with `confirm` set."""

    confirm = HiddenField()


def _role_field() -> SelectField:
    return SelectField(_l("Role"), choices=[SelectChoice("", "")] + [
        SelectChoice(value, label) for value, label in ROLE_LABELS.items()],
                       validators=[InputRequired()])


def _language_field() -> SelectField:
    return SelectField(_l("Language"), choices=[
        SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()], default="nl")


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = _role_field()
    bins = MultiCheckboxField(_l("BINs (coordinators only)"), choices=[],
                              validate_choice=True)
    language = _language_field()

    def validate_role(self, field) -> None:
        if field.data not in ROLE_LABELS:
            raise ValidationError(_l("Choose a role."))

    def validate_bins(self, field) -> None:
        if self.role.data == Role.COORDINATOR.value and not field.data:
            raise ValidationError(_l("A coordinator needs at least one BIN."))


class UserForm(UserEditForm):
    email = EmailField(_l("E-mail address"),
                       validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_CHARS, max=200, message=_l(
            "At least %(n)d characters.", n=MIN_PASSWORD_CHARS))],
        render_kw={"autocomplete": "new-password"})


class AuditFilterForm(FlaskForm):
    """The audit page's filters: a GET form, bookmarkable, so no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=120)])
    action = SelectField(_l("Action"), choices=[], validators=[Optional()],
                         validate_choice=False)
    subject = StringField(_l("Subject contains"), validators=[Optional(), Length(max=120)])
    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("Until (date, inclusive)"), validators=[Optional()])
    bin = SelectField(_l("BIN"), choices=[], validators=[Optional()], validate_choice=False)
    member_data = BooleanField(_l("Member data only (views, exports and changes)"))
