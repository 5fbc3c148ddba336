"""Every state-changing request is one of these Flask-WTF forms, so each carries its CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from .index import STATUSES
from .i18n import LANGUAGES


class ActionForm(FlaskForm):
    """A button only (lock, sync now, export): the CSRF token is the whole form."""


class UnlockForm(FlaskForm):
    passphrase = PasswordField(validators=[DataRequired(), Length(max=1024)])


class ServerLoginForm(FlaskForm):
    server = StringField(validators=[DataRequired(), Length(max=300)])
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=1024)])
    code = StringField(validators=[Length(max=64)])  # the authenticator's code or a recovery code


class StatusForm(FlaskForm):
    status = SelectField(choices=list(STATUSES), validators=[DataRequired()])


class AssignForm(FlaskForm):
    # an officer's name as the unit writes it; empty to unassign
    assignee = StringField(validators=[Length(max=64), Regexp(r"^[^\x00-\x1f\x7f]*$")])


class NoteForm(FlaskForm):
    # a note holds at most 4000 code points (docs/envelope.md section 18)
    body = TextAreaField(validators=[DataRequired(), Length(max=4000)])


class ReplyForm(FlaskForm):
    text = TextAreaField(validators=[DataRequired(), Length(max=10_000)])


class LanguageForm(FlaskForm):
    lang = SelectField(choices=list(LANGUAGES), validators=[DataRequired()])
