"""A personal link's token never reaches the logs: werkzeug's access line is masked."""

from __future__ import annotations

from ivr.logs import Redactor


def test_link_tokens_in_paths_are_masked():
    token = "c-xy5Q1qnIqEK-AhYbhAifNv3744KgyaAfEYiWfm9d4"
    line = (f'127.0.0.1 - - "GET /join/confirm/{token} HTTP/1.1" 200 - '
            f'"POST /me/{token}/swap HTTP/1.1" 302 "GET /me/{token}/data.json HTTP/1.1"')
    masked = Redactor().mask(line)
    assert token not in masked
    assert "/join/confirm/[redacted]" in masked and "/me/[redacted]/swap" in masked
    assert "GET /me HTTP/1.1" in Redactor().mask("GET /me HTTP/1.1")
