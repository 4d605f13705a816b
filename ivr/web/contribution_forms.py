"""WTForms forms of the contributions pages (CSRF from Flask-WTF)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ivr.web.admin_forms import BinForm, euro_text, payment_values


class PaidForm(FlaskForm):
    """Mark one contribution paid by hand: the day the money came in, a short note."""

    day = DateField(_l("Paid on"), validators=[InputRequired(_l("Fill in the date it was paid."))],
                    default=date.today)
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])

    def validate_day(self, field) -> None:
        if field.data and field.data > date.today():
            raise ValidationError(_l("This date is in the future."))


class ActionForm(FlaskForm):
    """A button that changes one row (undo a payment, ask a contribution): CSRF only."""


class StatementForm(FlaskForm):
    file = FileField(_l("Bank statement (CSV or CODA)"),
                     validators=[FileRequired(_l("Choose a statement file."))],
                     render_kw={"accept": ".csv,.txt,.cod,.coda,text/csv,text/plain"})


class ConfirmStatementForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class FeeForm(FlaskForm):
    """A coordinator's own BIN: the yearly contribution and the account it is paid to."""

    fee = BinForm.fee
    iban = BinForm.iban
    bic = BinForm.bic

    def process(self, formdata=None, obj=None, data=None, **kwargs) -> None:
        super().process(formdata, obj, data, **kwargs)
        if obj is not None and not self.is_submitted():
            self.fee.data = euro_text(obj.fee_cents or 0)

    def values(self) -> dict[str, object]:
        return payment_values(self)
