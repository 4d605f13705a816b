"""Build an e-mail from templates in the reader's language: text and HTML, attachments.

`mail/<kind>.txt` and `mail/<kind>.html` are rendered under the reader's locale (not the
visitor's: a coordinator approving in French sends a Dutch member a Dutch welcome) and
`domain.mail.queue_mail` stores the result to be sent once the request's transaction
commits. Inline images (a QR code) are referred to in the HTML as `cid:<name>`."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

from domain import mail
from domain.models import OutboundMail


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str  # "text/vcard", "image/png", ...


@dataclass
class Mail:
    """What a view asks to send; `inline` images are named by their cid in the HTML."""

    kind: str
    to: str
    language: str
    context: dict = field(default_factory=dict)
    to_name: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    inline: dict[str, bytes] = field(default_factory=dict)  # cid name -> PNG
    reply_to: str | None = None


def build(message: Mail) -> EmailMessage:
    """The RFC 5322 message: subject, text, HTML with inline images, attachments."""
    with force_locale(message.language):
        subject = render_template(f"mail/{message.kind}.subject.txt", **message.context)
        text = render_template(f"mail/{message.kind}.txt", **message.context)
        cids = {name: make_msgid(domain="buurtlijn")[1:-1] for name in message.inline}
        html = render_template(f"mail/{message.kind}.html", cid=cids, **message.context)
    email = EmailMessage()
    email["Subject"] = " ".join(subject.split())
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = formataddr((message.to_name or "", message.to))
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    # After the content: set_content clears Content-* headers. With attachments it moves
    # with the text and HTML into their multipart/alternative part, where it belongs.
    email["Content-Language"] = message.language
    html_part = email.get_payload()[1]
    for name, png in message.inline.items():
        html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cids[name]}>",
                              filename=f"{name}.png")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mimetype.partition("/")
        email.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                             filename=attachment.filename)
    return email


def send(message: Mail, *, member_id: int | None = None,
         application_id: int | None = None) -> OutboundMail:
    """Build and store `message`; it leaves when the caller's transaction commits."""
    return mail.queue_mail(build(message), message.kind, message.language,
                           member_id=member_id, application_id=application_id)
