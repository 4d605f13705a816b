"""Twilio's Messages API in the sandbox: outbound SMS, their status lifecycle and callbacks.

A created message is ``queued``, then ``sending``, then ``sent`` (its price is fixed from
the tariff per segment and shows ``delay_s`` real seconds later, as for calls) and finally
``delivered``, or ``undelivered`` (error 30003) or ``failed`` (error 30008, never sent,
free) when the scenario says so for the number
(``{"numbers": {"+32470000009": {"sms": "undelivered"}}}``). The steps take simulated
seconds (scaled by the time scale). Status callbacks go to ``StatusCallback`` for
``sent`` and the final status, signed by the same webhook client as the voice callbacks
(so ``webhook_latency_ms`` applies), and ``callback_duplicate_rate`` sends one twice.
Every message is kept so a test can read a phone's inbox (``/sandbox/messages?to=``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .callbacks import rfc2822
from .model import new_sid
from .schema import API_PREFIX, API_VERSION, MESSAGE_FIELDS
from .segments import encoding, num_segments

if TYPE_CHECKING:
    from .carrier import Carrier

# Simulated seconds from the previous status to this one.
STEP_S = {"sending": 0.5, "sent": 0.5, "delivered": 2.0, "undelivered": 2.0, "failed": 0.5}
ERRORS = {"undelivered": (30003, "Unreachable destination handset"),
          "failed": (30008, "Unknown error")}


@dataclass
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    outcome: str
    status_callback: str | None
    created: float = field(default_factory=time.time)
    updated: float = 0.0
    sent: float | None = None
    status: str = "queued"
    price: str | None = None
    price_unit: str = "USD"
    price_known_at: float = 0.0  # like a call's, the price shows the tariff's delay_s later
    error_code: int | None = None
    error_message: str | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def segments(self) -> int:
        return num_segments(self.body)

    def reported_price(self) -> str | None:
        return self.price if self.price is not None and time.time() >= self.price_known_at \
            else None

    def to_dict(self) -> dict[str, Any]:
        """What the control API shows of a message: the phone's view plus the carrier's."""
        return {"sid": self.sid, "to": self.to, "from": self.from_, "body": self.body,
                "status": self.status, "num_segments": self.segments,
                "encoding": encoding(self.body), "price": self.reported_price(),
                "price_unit": self.price_unit, "error_code": self.error_code,
                "created_ts": self.created, "timeline": list(self.timeline),
                "webhooks": list(self.webhooks)}


def message_json(msg: Message) -> dict[str, Any]:
    """The Message resource, field for field as Twilio returns it."""
    uri = f"{API_PREFIX}/{msg.account_sid}/Messages/{msg.sid}"
    d = {
        "account_sid": msg.account_sid, "api_version": API_VERSION, "body": msg.body,
        "date_created": rfc2822(msg.created), "date_sent": rfc2822(msg.sent),
        "date_updated": rfc2822(msg.updated or msg.created), "direction": "outbound-api",
        "error_code": msg.error_code, "error_message": msg.error_message, "from": msg.from_,
        "messaging_service_sid": None, "num_media": "0", "num_segments": str(msg.segments),
        "price": msg.reported_price(), "price_unit": msg.price_unit, "sid": msg.sid,
        "status": msg.status, "to": msg.to, "uri": uri + ".json",
        "subresource_uris": {"media": uri + "/Media.json", "feedback": uri + "/Feedback.json"},
    }
    assert set(d) == set(MESSAGE_FIELDS), set(d) ^ set(MESSAGE_FIELDS)
    return d


class Messenger:
    """Holds the account's messages and walks each through its statuses on timers."""

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier
        self.lock = threading.Lock()
        self.messages: dict[str, Message] = {}

    def create(self, to: str, from_: str, body: str, status_callback: str | None) -> Message:
        c = self.carrier
        msg = Message(new_sid("SM"), c.account_sid, to, from_, body,
                      c.scenario.sms_outcome(to), status_callback)
        msg.updated = msg.created
        msg.timeline.append({"status": "queued", "ts": msg.created})
        with self.lock:
            self.messages[msg.sid] = msg
        path = ["failed"] if msg.outcome == "failed" else ["sending", "sent", msg.outcome]
        self._next(msg, path)
        return msg

    def _next(self, msg: Message, path: list[str]) -> None:
        """Schedule the next status; each step schedules the one after it, so they keep
        their order whatever the pool does."""
        if not path:
            return
        status, rest = path[0], path[1:]
        delay = STEP_S[status]

        def step() -> None:
            self._step(msg, status)
            self._next(msg, rest)

        self.carrier.work.at(time.time() + delay * self.carrier.scale, step)

    def _step(self, msg: Message, status: str) -> None:
        now = time.time()
        with self.lock:
            msg.status, msg.updated = status, now
            msg.timeline.append({"status": status, "ts": now})
            tariff = self.carrier.tariff
            if status == "sent":
                msg.sent = now
                msg.price = tariff.sms_price(msg.segments)
            if status in ERRORS:
                msg.error_code, msg.error_message = ERRORS[status]
            if status == "failed":
                msg.price = "0.00000"
            if status in ("sent", "failed"):
                msg.price_unit, msg.price_known_at = tariff.unit, now + tariff.delay_s
            params = self._params(msg)
        if status == "sending" or not msg.status_callback:
            return
        c = self.carrier
        copies = 2 if c.dice.chance(c.faults.callback_duplicate_rate) else 1
        if copies == 2:
            c.fired.hit("callback_duplicate")  # the same knob as for call status callbacks
        for _ in range(copies):
            c.work.serial(msg.sid, lambda: self._callback(msg, params))

    @staticmethod
    def _params(msg: Message) -> dict[str, str]:
        """Twilio's message status callback parameters, as of now."""
        status = msg.status
        params = {"AccountSid": msg.account_sid, "ApiVersion": API_VERSION,
                  "From": msg.from_, "To": msg.to, "MessageSid": msg.sid, "SmsSid": msg.sid,
                  "MessageStatus": status, "SmsStatus": status}
        if msg.error_code:
            params["ErrorCode"] = str(msg.error_code)
        return params

    def _callback(self, msg: Message, params: dict[str, str]) -> None:
        """POST the status parameters, signed like every webhook."""
        url = msg.status_callback or ""
        entry: dict[str, Any] = {"kind": "status_callback", "url": url, "params": params,
                                 "ts": time.time()}
        try:
            resp = self.carrier.webhooks.send(url, "POST", params)
            entry["status_code"] = resp.status_code
        except Exception as exc:  # a failed callback is logged; the message is unaffected
            entry["error"] = str(exc)
        with self.lock:
            msg.webhooks.append(entry)

    def find(self, sid: str) -> Message | None:
        with self.lock:
            return self.messages.get(sid)

    def all(self) -> list[Message]:
        """Oldest first."""
        with self.lock:
            return list(self.messages.values())

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
