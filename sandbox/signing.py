"""Outgoing webhooks, signed exactly as Twilio signs them.

The signature is computed with the twilio SDK's own ``RequestValidator.compute_signature``
over the exact URL requested (query string included) and, for POST, the form params; the
app's validator therefore sees precisely what real Twilio would send.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
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


def elapsed_ms(resp: requests.Response) -> float:
    """How long the app took to answer, as the carrier sees it: from sending the request
    to its response headers (``requests``' own measure; injected latency is not in it)."""
    return round(resp.elapsed.total_seconds() * 1000, 2)


class WebhookClient:
    """A pooled HTTP client for webhooks, so hundreds of calls don't open a socket each."""

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
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=128)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, url: str, method: str, params: Mapping[str, str]) -> requests.Response:
        """Send a signed webhook; raises ``requests.RequestException`` on transport errors."""
        delay = self._latency_ms()
        if delay > 0:
            time.sleep(delay / 1000.0)
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
        if method.upper() == "GET":
            full = with_query(url, params)
            headers["X-Twilio-Signature"] = sign(self.auth_token, full, {})
            return self.session.get(full, headers=headers, timeout=self.timeout_s)
        headers["X-Twilio-Signature"] = sign(self.auth_token, url, params)
        return self.session.post(url, data=dict(params), headers=headers, timeout=self.timeout_s)

    def fetch_media(self, url: str, auth: tuple[str, str] | None = None) -> requests.Response:
        """GET an audio file for <Play> (unsigned, as Twilio's media fetcher)."""
        return self.session.get(url, headers={"User-Agent": USER_AGENT}, auth=auth,
                                timeout=self.timeout_s)

    def close(self) -> None:
        self.session.close()
