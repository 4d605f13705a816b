"""WTForms forms of the sign-in and the language switch (CSRF from Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ivr.web.i18n import LANGUAGE_NAMES

TOTP_FIELD = {"render_kw": {"inputmode": "numeric", "autocomplete": "one-time-code",
                            "pattern": "[0-9 ]*", "maxlength": 7}}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    totp = StringField(_l("Code from your authenticator app"),
                       validators=[Optional(), Regexp(r"^[0-9 ]{6,7}$")], **TOTP_FIELD)


class EnrolForm(FlaskForm):
    totp = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Regexp(r"^[0-9 ]{6,7}$")], **TOTP_FIELD)


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[
        SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])
    next = HiddenField()
