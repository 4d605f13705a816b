"""The local mailbox's web viewer, over real SMTP and HTTP: a mail sent with smtplib is
listed, its text and HTML are shown (the HTML never runs scripts), its attachment and
inline image download."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from email.message import EmailMessage

import pytest

from sandbox.mailbox import Mailbox
from sandbox.mailbox_viewer import MailboxViewer

VCARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:BIN Centrum\r\nTEL:+32477777755\r\nEND:VCARD\r\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def viewer():
    box = Mailbox().start()
    view = MailboxViewer(box).start()
    yield box, view
    view.stop()
    box.stop()


def _send(box: Mailbox, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "bin@buurtlijn.example", to, subject
    message.set_content("Dag An,\n\nwelkom bij BIN Centrum.")
    message.add_alternative('<p>Welkom <img src="cid:qr@buurtlijn"></p>'
                            '<script>document.title="pwned"</script>', subtype="html")
    message.get_payload()[1].add_related(PNG, "image", "png", cid="<qr@buurtlijn>",
                                         filename="qr.png")
    message.add_attachment(VCARD, maintype="text", subtype="vcard",
                           filename="BIN Centrum.vcf")
    with smtplib.SMTP(box.host, box.port) as smtp:
        smtp.send_message(message)


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, dict(response.headers), response.read()


def test_a_sent_mail_is_listed_newest_first_and_its_parts_download(viewer):
    box, view = viewer
    _send(box, "an@example.be", "Bevestig uw aanvraag")
    _send(box, "bart@example.be", "Welkom bij BIN Centrum")
    box.wait_for(2)
    status, headers, body = _get(view.url + "/")
    page = body.decode()
    assert status == 200 and "script-src" not in headers["Content-Security-Policy"]
    assert page.index("Welkom bij BIN Centrum") < page.index("Bevestig uw aanvraag")
    assert "bart@example.be" in page
    number = box.messages(to="bart@example.be")[0].number
    _, headers, body = _get(f"{view.url}/mail/{number}")
    shown = body.decode()
    assert "welkom bij BIN Centrum." in shown and 'iframe sandbox=""' in shown
    assert "<script>" not in shown  # the mail's HTML is only in the sandboxed frame
    _, headers, html = _get(f"{view.url}/mail/{number}/html")
    assert headers["Content-Security-Policy"].startswith("sandbox")
    assert f"/mail/{number}/part/0" in html.decode()  # the cid: image, pointed at its part
    names = {}
    for index in range(2):
        _, headers, data = _get(f"{view.url}/mail/{number}/part/{index}")
        names[headers["Content-Disposition"]] = data
    assert names["attachment; filename*=UTF-8''BIN%20Centrum.vcf"] == VCARD
    assert names["attachment; filename*=UTF-8''qr.png"] == PNG
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(f"{view.url}/mail/999")
    assert missing.value.code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_m_sandbox_mailbox_runs_both_servers():
    smtp_port, http_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "mailbox", "--smtp-port", str(smtp_port),
         "--http-port", str(http_port)], stdout=subprocess.PIPE, text=True)
    try:
        assert "mailbox: SMTP on" in process.stdout.readline()
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@x.example", "b@x.example", "Hoi"
        message.set_content("hallo")
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            smtp.send_message(message)
        deadline = time.monotonic() + 5
        while b"Hoi" not in _get(f"http://127.0.0.1:{http_port}/")[2]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(5)
