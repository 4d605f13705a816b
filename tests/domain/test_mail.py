"""Outgoing mail through a real worker to a real SMTP server: once, and not lost."""

from __future__ import annotations

import time
from email.message import EmailMessage

from domain import mail
from domain.db import db
from domain.models import OutboundMail
from domain.status import MailStatus


def _queue(to: str, subject: str = "Welkom bij BIN Centrum") -> int:
    message = EmailMessage()
    message["To"], message["Subject"] = to, subject
    message.set_content("Dag buur,\n\nwelkom.")
    row = mail.queue_mail(message, "test", "nl")
    db.session.commit()
    return row.id


def _settled(mail_id: int, timeout: float = 20) -> OutboundMail:
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        row = db.session.get(OutboundMail, mail_id)
        if row.status in (MailStatus.SENT, MailStatus.FAILED) or time.monotonic() > deadline:
            return row
        time.sleep(0.1)


def test_a_committed_mail_arrives_once_and_its_body_is_erased(app, mailbox, workers):
    workers.start(1)
    mail_id = _queue("an.peeters@example.be")
    received = mailbox.wait_for(1, to="an.peeters@example.be")
    row = _settled(mail_id)
    assert row.status == MailStatus.SENT and row.body is None and row.attempts == 1
    assert received[0].subject == "Welkom bij BIN Centrum"
    assert received[0].message["From"] == app.config["MAIL_FROM"]
    assert received[0].message["Message-ID"] == row.message_id
    mail.enqueue([mail_id])  # a duplicate job sends nothing
    time.sleep(1)
    assert len(mailbox.messages()) == 1


def test_a_rolled_back_mail_is_never_sent(app, mailbox, workers):
    workers.start(1)
    message = EmailMessage()
    message["To"], message["Subject"] = "jan@example.be", "nooit"
    message.set_content("x")
    mail.queue_mail(message, "test", "nl")
    db.session.rollback()
    kept = _queue("kept@example.be")
    mailbox.wait_for(1, to="kept@example.be")
    assert _settled(kept).status == MailStatus.SENT
    assert [m.recipients for m in mailbox.messages()] == [["kept@example.be"]]


def test_a_server_that_refuses_for_a_while_gets_the_mail_later_once(app, mailbox, workers):
    mailbox.refuse_for(3)
    workers.start(1)
    mail_id = _queue("lies@example.be")
    mailbox.wait_for(1, to="lies@example.be", timeout=30)
    row = _settled(mail_id)
    assert row.status == MailStatus.SENT and row.attempts >= 2
    time.sleep(1)
    assert len(mailbox.messages()) == 1


def test_an_unreachable_server_is_retried_then_recorded_as_failed(app, workers):
    app.config.update(MAIL_MAX_ATTEMPTS=2)  # nothing listens on MAIL_PORT 9
    mail_id = _queue("nobody@example.be")
    with app.test_request_context():
        first = mail.send(mail_id)
        db.session.expire_all()
        assert first.startswith("retry later")
        second = mail.send(mail_id)
    row = _settled(mail_id, timeout=1)
    assert second.startswith("failed") and row.status == MailStatus.FAILED
    assert row.body is None and row.last_error == "ConnectionRefusedError"


def test_a_mail_lost_with_redis_or_its_worker_is_sent_by_the_reconciler(app, mailbox, workers,
                                                                        redis_server):
    from datetime import timedelta

    from domain.broadcast.reconcile import reconcile
    from domain.models import utcnow

    lost = _queue("lost@example.be")  # enqueued, then Redis forgets it
    held = _queue("held@example.be")  # a worker claimed it and died
    redis_server_client = __import__("redis").Redis.from_url(redis_server.url)
    redis_server_client.flushall()
    long_ago = utcnow() - timedelta(minutes=10)
    db.session.get(OutboundMail, lost).created_at = long_ago
    row = db.session.get(OutboundMail, held)
    row.status, row.claimed_at, row.attempts = MailStatus.SENDING, long_ago, 1
    db.session.commit()
    assert reconcile()["mails"] == 2
    assert reconcile()["mails"] == 0  # enqueued once, not every pass
    workers.start(1)
    mailbox.wait_for(2)
    assert sorted(m.recipients[0] for m in mailbox.messages()) == ["held@example.be",
                                                                   "lost@example.be"]
    assert _settled(lost).status == _settled(held).status == MailStatus.SENT


def test_a_named_recipient_gets_the_mail_in_their_language(app, mailbox):
    from ivr.mail_compose import Mail, build

    with app.test_request_context():
        from types import SimpleNamespace

        message = build(Mail("confirm", "an.peeters@example.be", "fr", to_name="An Peeters",
                             context={"bin": SimpleNamespace(name="BIN Centrum"),
                                      "link": "http://x/y", "days": 7, "name": "An Peeters"}))
        row = mail.queue_mail(message, "confirm", "fr")
        db.session.commit()
        assert mail.send(row.id) == "sent"
    received = mailbox.wait_for(1, to="an.peeters@example.be")[0]
    assert received.message["To"] == "An Peeters <an.peeters@example.be>"
    assert received.message["Content-Language"] == "fr"
    assert received.subject == "Confirmez votre demande d'adhésion à BIN Centrum"
