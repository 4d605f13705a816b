"""The Content-Security-Policy allows scripts from this site only: an inline handler
(onclick="...") in a template would silently do nothing, as the Print buttons once did."""

from __future__ import annotations

import re
from pathlib import Path

import ivr

INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_no_template_relies_on_an_inline_script(client):
    templates = Path(ivr.__file__).parent / "templates"
    offending = [f"{path.relative_to(templates)}:{n}"
                 for path in sorted(templates.rglob("*.html"))
                 for n, line in enumerate(path.read_text().splitlines(), start=1)
                 if INLINE_HANDLER.search(line) or INLINE_SCRIPT.search(line)]
    assert offending == []


def test_the_print_button_script_is_served_from_this_site(client):
    response = client.get("/static/js/print.js")
    assert response.status_code == 200
    assert "window.print()" in response.get_data(as_text=True)
