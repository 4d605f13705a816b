"""A local mail server that keeps what it is sent: the SMTP side of the offline stand-in.

`make run` starts it so the whole join journey can be walked without the internet, and
the tests start it as the real SMTP server the app talks to (aiosmtpd, on a free port).
It accepts any sender and recipient and keeps every message, parsed, in memory. It can be
told to refuse for a while (`refuse_for`), as a mail server under maintenance does:
RCPT answers 451, so the app must queue and retry, not lose.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as it arrived: the SMTP envelope and the parsed message."""

    number: int
    envelope_from: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes
    received_at: float = field(default_factory=time.time)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(filename, content type, bytes) of every attachment and inline image."""
        found = []
        for part in self.message.walk():
            name = part.get_filename()
            if name and not part.is_multipart():
                found.append((name, part.get_content_type(), part.get_payload(decode=True)))
        return found


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.mailbox.refusing():
            return "451 4.3.2 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.mailbox.keep(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        return "250 Message accepted for delivery"


class Mailbox:
    """An SMTP server on `host:port` (0: a free port) keeping every message it accepts."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self._messages: list[Received] = []
        self._lock = threading.Condition()
        self._refuse_until = 0.0
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def keep(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self._messages.append(Received(len(self._messages) + 1, envelope_from, recipients,
                                           message, raw))
            self._lock.notify_all()

    def messages(self, to: str | None = None) -> list[Received]:
        with self._lock:
            return [m for m in self._messages
                    if to is None or to.lower() in (r.lower() for r in m.recipients)]

    def wait_for(self, count: int = 1, to: str | None = None,
                 timeout: float = 15) -> list[Received]:
        """Wait until `count` messages (to `to`) have arrived; they, or AssertionError."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.messages(to)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.messages(to))} of {count} mails arrived for {to or 'anyone'}")
                self._lock.wait(left)
            return self.messages(to)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._refuse_until = 0.0

    def refuse_for(self, seconds: float) -> None:
        self._refuse_until = time.monotonic() + seconds

    def refusing(self) -> bool:
        return time.monotonic() < self._refuse_until


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
