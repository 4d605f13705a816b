"""Outgoing webhooks, signed exactly as Twilio signs them.

The signature is computed with the twilio SDK's own ``RequestValidator.compute_signature``
over the exact URL requested (query string included) and, for POST, the form params; the
app's validator therefore sees precisely what real Twilio would send.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import urllib3
from twilio.request_validator import RequestValidator

USER_AGENT = "TwilioProxy/1.1 (Buurtlijn sandbox)"


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature value for a request to ``url`` with form ``params``."""
    return RequestValidator(auth_token).compute_signature(url, dict(params))


def with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with params appended to its query string (how Twilio does GET webhooks)."""
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(list(params.items()))


@dataclass(frozen=True)
class WebhookResponse:
    """The app's answer to a webhook, read whole."""

    status_code: int
    headers: Mapping[str, str]  # case-insensitive (urllib3's HTTPHeaderDict)
    content: bytes
    # How long the app took to answer, as the carrier sees it: from sending the request to
    # its response headers (injected latency is not in it).
    elapsed_ms: float

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class WebhookError(Exception):
    """No answer: the app could not be reached, or did not answer within the timeout."""


class WebhookClient:
    """A pooled HTTP client for webhooks, so hundreds of calls don't open a socket each.

    Plain urllib3 rather than requests: at 50 calls/s the sandbox sends some 200 webhooks
    a second, and requests' per-request work (environment lookups, hooks, cookie jars)
    cost the sandbox more than twice the CPU of the request itself, CPU the app being
    measured then did not have."""

    def __init__(
        self,
        auth_token: str,
        *,
        timeout_s: float = 15.0,
        latency_ms: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.auth_token = auth_token
        self.timeout_s = timeout_s
        self._latency_ms = latency_ms
        self.pool = urllib3.PoolManager(
            num_pools=16, maxsize=128,
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            # no retries of a request the app may have seen; redirects are followed
            retries=urllib3.Retry(total=None, connect=0, read=0, status=0, other=0,
                                  redirect=5, raise_on_redirect=False),
        )

    def send(self, url: str, method: str, params: Mapping[str, str]) -> WebhookResponse:
        """Send a signed webhook; raises ``WebhookError`` on transport errors."""
        delay = self._latency_ms()
        if delay > 0:
            time.sleep(delay / 1000.0)
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
        if method.upper() == "GET":
            full = with_query(url, params)
            headers["X-Twilio-Signature"] = sign(self.auth_token, full, {})
            return self._request("GET", full, headers)
        headers["X-Twilio-Signature"] = sign(self.auth_token, url, params)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self._request("POST", url, headers, urlencode(list(params.items())))

    def fetch_media(self, url: str, auth: tuple[str, str] | None = None) -> WebhookResponse:
        """GET an audio file for <Play> (unsigned, as Twilio's media fetcher)."""
        headers = {"User-Agent": USER_AGENT}
        if auth:
            headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        return self._request("GET", url, headers)

    def _request(self, method: str, url: str, headers: dict[str, str],
                 body: str | None = None) -> WebhookResponse:
        started = time.perf_counter()
        try:
            resp = self.pool.request(method, url, body=body, headers=headers,
                                     preload_content=False)
            elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
            try:
                content = resp.read()
            finally:
                resp.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise WebhookError(str(exc)) from exc
        return WebhookResponse(resp.status, resp.headers, content, elapsed_ms)

    def close(self) -> None:
        self.pool.clear()
