"""'Save the number': the caller ID as a vCard, so a member's phone shows the BIN's name
when Buurtlijn calls, and a QR code of it for phones that scan contacts.

The vCard is 3.0 (what Android's and iOS's contacts apps both import), lines ended by
CRLF, text values escaped as RFC 6350 says (backslash, comma, semicolon, newline)."""

from __future__ import annotations

import io
import re
import unicodedata

import segno


def display_name(bin_name: str) -> str:
    """'BIN Centrum' for a BIN named 'Centrum' or 'BIN Centrum'."""
    name = re.sub(r"^\s*BIN\s+", "", bin_name or "", flags=re.IGNORECASE).strip()
    return f"BIN {name}" if name else "BIN"


def filename(bin_name: str) -> str:
    """`BIN-Centrum.vcf`: ASCII letters, digits and dashes only (every mail client and OS)."""
    ascii_name = unicodedata.normalize("NFKD", display_name(bin_name)).encode(
        "ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-") + ".vcf"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def vcard(bin_name: str, caller_id: str, note: str) -> str:
    """The contact card of the caller ID, with a note that it cannot be called back."""
    name = display_name(bin_name)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_escape(name)}", f"N:{_escape(name)};;;;",
             "ORG:Buurtlijn", f"TEL;TYPE=VOICE:{caller_id}", f"NOTE:{_escape(note)}",
             "END:VCARD"]
    return "\r\n".join(lines) + "\r\n"


def qr_png(text: str, scale: int = 4) -> bytes:
    """A PNG QR code of `text` (a vCard), for the welcome mail."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
