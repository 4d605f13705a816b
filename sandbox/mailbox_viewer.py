"""A small web page over the local mailbox: what the app sent, read in the browser.

`make run` starts it with the SMTP side (`python -m sandbox mailbox`), so the whole join
journey can be walked offline: the confirmation link, the welcome mail with its vCard
and QR code. A mail's HTML is shown in a sandboxed iframe (no scripts, no forms, its own
origin) under a Content-Security-Policy that forbids scripts on the viewer's pages too:
mail HTML is not trusted. `cid:` images are pointed at their parts, so inline images
show. Standard library only (http.server), like the rest of the sandbox."""

from __future__ import annotations

import re
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

from .mailbox import Mailbox, Received

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "frame-src 'self'; base-uri 'none'; form-action 'none'")
STYLE = ("body{font:16px/1.45 system-ui,sans-serif;margin:1.5rem;max-width:60rem}"
         "table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;"
         "border-bottom:1px solid #ccc;text-align:left;vertical-align:top}"
         "pre{white-space:pre-wrap;background:#f4f4f4;padding:.75rem}"
         "iframe{width:100%;height:32rem;border:1px solid #999}")


def _page(title: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f'{escape(title)}</title><style>{STYLE}</style></head><body>{body}'
            f'</body></html>').encode()


def _parts(mail: Received) -> list:
    """Every leaf part with a filename or a Content-ID: attachments and inline images."""
    return [part for part in mail.message.walk() if not part.is_multipart()
            and (part.get_filename() or part["Content-ID"])]


class _Handler(BaseHTTPRequestHandler):
    mailbox: Mailbox

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # mail addresses stay out of the terminal

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if path == "/":
            return self._send(200, _page("Mailbox", self._index()))
        match = re.fullmatch(r"/mail/(\d+)(?:/(html|raw|part/(\d+)))?", path)
        mail = self._mail(int(match.group(1))) if match else None
        if mail is None:
            return self._send(404, _page("Not found", "<p>No such mail.</p>"))
        if match.group(2) is None:
            return self._send(200, _page(mail.subject, self._show(mail)))
        if match.group(2) == "html":
            return self._send(200, _inline_cids(mail).encode(), "text/html; charset=utf-8",
                              csp="sandbox; default-src 'none'; style-src 'unsafe-inline'; "
                                  "img-src 'self' data:")
        if match.group(2) == "raw":
            return self._send(200, mail.raw, "message/rfc822",
                              disposition=f"attachment; filename=mail-{mail.number}.eml")
        parts = _parts(mail)
        index = int(match.group(3))
        if index >= len(parts):
            return self._send(404, _page("Not found", "<p>No such part.</p>"))
        part = parts[index]
        name = part.get_filename() or f"part-{index}"
        return self._send(200, part.get_payload(decode=True) or b"", part.get_content_type(),
                          disposition=f"attachment; filename*=UTF-8''{quote(name)}")

    def _mail(self, number: int) -> Received | None:
        return next((m for m in self.mailbox.messages() if m.number == number), None)

    def _index(self) -> str:
        mails = sorted(self.mailbox.messages(), key=lambda m: m.number, reverse=True)
        rows = "".join(
            f'<tr><td>{time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(m.received_at))}'
            f'</td><td>{escape(", ".join(m.recipients))}</td><td><a href="/mail/{m.number}">'
            f'{escape(m.subject or "(no subject)")}</a></td></tr>' for m in mails)
        return (f"<h1>Mailbox</h1><p>{len(mails)} mails, newest first. "
                f'<a href="/">Refresh</a></p><table><thead><tr><th>Time</th><th>To</th>'
                f"<th>Subject</th></tr></thead><tbody>{rows}</tbody></table>")

    def _show(self, mail: Received) -> str:
        headers = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(mail.message[k] or ''))}"
                          f"</td></tr>" for k in ("From", "To", "Subject", "Date"))
        parts = "".join(
            f'<li><a href="/mail/{mail.number}/part/{i}">'
            f'{escape(p.get_filename() or str(p["Content-ID"] or i))}</a> '
            f"({escape(p.get_content_type())}, {len(p.get_payload(decode=True) or b'')} bytes)"
            f"</li>" for i, p in enumerate(_parts(mail)))
        html = (f'<h2>HTML</h2><iframe sandbox="" src="/mail/{mail.number}/html" '
                f'title="The mail as HTML"></iframe>') if mail.html() else ""
        return (f'<p><a href="/">All mails</a> · <a href="/mail/{mail.number}/raw">'
                f"Download .eml</a></p><h1>{escape(mail.subject)}</h1><table>{headers}"
                f"</table><h2>Text</h2><pre>{escape(mail.text())}</pre>{html}"
                f"<h2>Attachments and inline images</h2><ul>{parts or '<li>none</li>'}</ul>")

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
              disposition: str | None = None, csp: str = CSP) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        if disposition:
            self.send_header("Content-Disposition", disposition)
        self.end_headers()
        self.wfile.write(body)


def _inline_cids(mail: Received) -> str:
    """The HTML part with `cid:` references pointed at the parts they name."""
    ids = {unquote(str(p["Content-ID"] or "")).strip("<>"): i
           for i, p in enumerate(_parts(mail)) if p["Content-ID"]}
    return re.sub(r"cid:([^\"'\s)>]+)",
                  lambda m: f"/mail/{mail.number}/part/{ids[m.group(1)]}"
                  if m.group(1) in ids else m.group(0), mail.html())


class MailboxViewer:
    """The viewer's HTTP server on `host:port` (0: a free port), in a thread."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"mailbox": mailbox})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> MailboxViewer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
