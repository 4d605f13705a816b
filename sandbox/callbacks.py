"""Webhook parameters and the callbacks Twilio sends about a call (not the TwiML fetches).

Status callbacks go out for exactly the requested ``StatusCallbackEvent``s plus always
the final one; AMD and recording callbacks have their own URLs. The fault knobs for
duplicated, reordered and unknown-SID callbacks are applied here, at the last moment,
so the call itself behaves normally and only what the app receives is disturbed. A
reordered call's earlier status callbacks and its async AMD callback are held back and
sent after the final status callback.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from .model import Call, Recording
from .schema import API_VERSION

if TYPE_CHECKING:
    from .carrier import Carrier

SIP_CODES = {"completed": "200", "busy": "486", "no-answer": "487", "canceled": "487",
             "failed": "500"}


def rfc2822(ts: float | None) -> str | None:
    if ts is None:
        return None
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))


def requested_events(call: Call) -> set[str]:
    """StatusCallbackEvent values, whether repeated or space-separated in one value."""
    raw = call.params.get("StatusCallbackEvent") or []
    return {e for value in raw for e in value.split()} or {"completed"}


def base_params(carrier: Carrier, call: Call, status: str | None = None) -> dict[str, str]:
    """The parameters Twilio puts on every voice request about this call."""
    params = {
        "AccountSid": call.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
        "CallStatus": status or call.status, "Called": call.to, "Caller": call.from_,
        "Direction": call.direction, "From": call.from_, "To": call.to,
    }
    if call.answered_by and call.params.get("MachineDetection") and not _async_amd(call):
        params["AnsweredBy"] = call.answered_by
    return params


def _async_amd(call: Call) -> bool:
    return str(call.params.get("AsyncAmd", "false")).lower() == "true"


class CallbacksMixin:
    """Mixed into Carrier: composes and sends status, AMD and recording callbacks."""

    def status_event(self: Carrier, call: Call, event: str) -> None:
        """Send the status callback for ``event`` if it was requested (final: always)."""
        url = call.params.get("StatusCallback")
        final = event == "completed"
        if not url or (not final and event not in requested_events(call)):
            return
        status = {"initiated": "initiated", "ringing": "ringing",
                  "answered": "in-progress"}.get(event, call.status)
        with call.cond:
            call.seq += 1
            seq = call.seq
        params = base_params(self, call, status)
        params.update({"CallbackSource": "call-progress-events", "SequenceNumber": str(seq),
                       "Timestamp": rfc2822(time.time()) or ""})
        if call.answered_by:
            params["AnsweredBy"] = call.answered_by
        if final:
            seconds = call.duration_s()
            params.update({"CallDuration": str(seconds), "Duration": str(math.ceil(seconds / 60)),
                           "SipResponseCode": SIP_CODES.get(call.status, "200")})
        method = call.params.get("StatusCallbackMethod", "POST")
        if call.reorder_callbacks and not final:
            with call.cond:
                call.held_callbacks.append(
                    lambda p=params: self._send_status(call, url, method, p))
            return
        self._send_status(call, url, method, params)
        if final:
            with call.cond:
                held, call.held_callbacks = call.held_callbacks, []
                call.callbacks_released = True
            if held:
                self.fired.hit("callback_reorder")  # earlier callbacks now come after it
            for send in held:
                send()
            if self.dice.chance(self.faults.unknown_sid_callback_rate):
                self.fired.hit("unknown_sid_callback")
                ghost = {**params, "CallSid": "CA" + self.dice.hex(32)}
                self._send_status(call, url, method, ghost, fault="unknown_sid")

    def _send_status(self: Carrier, call: Call, url: str, method: str,
                     params: dict[str, str], fault: str | None = None) -> None:
        copies = 2 if self.dice.chance(self.faults.callback_duplicate_rate) else 1
        if copies == 2:
            self.fired.hit("callback_duplicate")
        for i in range(copies):
            tag = fault or ("duplicate" if i else None)
            self.work.serial(call.sid, lambda p=params, t=tag: self.callback(
                call, "status_callback", url, method, p, fault=t))

    def callback(self: Carrier, call: Call, kind: str, url: str, method: str,
                 params: dict[str, str], fault: str | None = None) -> None:
        """Send one callback now; failures are logged in the transcript, not fatal."""
        entry: dict[str, Any] = {"kind": kind, "url": url, "method": method,
                                 "params": dict(params)}
        if fault:
            entry["fault"] = fault
        try:
            resp = self.webhooks.send(url, method, params)
            entry["status_code"] = resp.status_code
            entry["elapsed_ms"] = resp.elapsed_ms
            if resp.status_code >= 400:
                call.transcript.event("error", code=15003, url=url, status_code=resp.status_code,
                                      message=f"{kind} got HTTP {resp.status_code}")
        except Exception as exc:  # transport errors are what we log, whatever their class
            entry["error"] = str(exc)
            call.transcript.event("error", code=15003, url=url, message=f"{kind} failed: {exc}")
        call.transcript.webhook(**entry)

    def amd_result(self: Carrier, call: Call, answered_by: str, detect_s: float) -> None:
        """Async AMD: record the result and POST it to AsyncAmdStatusCallback."""
        if call.final:
            return
        call.answered_by = answered_by
        call.transcript.set(answered_by=answered_by)
        call.transcript.event("amd", answered_by=answered_by, detection_s=round(detect_s, 2),
                              mode="async")
        url = call.params.get("AsyncAmdStatusCallback")
        if url:
            params = {"AccountSid": call.account_sid, "CallSid": call.sid,
                      "AnsweredBy": answered_by,
                      "MachineDetectionDuration": str(int(detect_s * 1000))}
            method = call.params.get("AsyncAmdStatusCallbackMethod", "POST")

            def send() -> None:
                self.callback(call, "amd_callback", url, method, params)

            if call.reorder_callbacks:  # reordered: detection's news comes after the end
                with call.cond:
                    if not call.callbacks_released:
                        call.held_callbacks.append(lambda: self.work.serial(call.sid, send))
                        return
            self.work.submit(send)

    def recording_callback(self: Carrier, call: Call, rec: Recording, url: str, method: str,
                           events: list[str]) -> None:
        """RecordingStatusCallback for the requested events, shortly after the Record."""
        for status in ("in-progress", "completed"):
            if status not in events:
                continue
            params = {"AccountSid": call.account_sid, "CallSid": call.sid,
                      "RecordingSid": rec.sid, "RecordingUrl": self.recording_url(rec),
                      "RecordingStatus": status, "RecordingDuration": str(round(rec.duration_s)),
                      "RecordingChannels": "1", "RecordingSource": "RecordVerb",
                      "RecordingStartTime": rfc2822(rec.created) or "", "ErrorCode": "0"}
            delay = 0.0 if status == "in-progress" else 0.5 * self.scale
            self.work.at(time.time() + delay, lambda p=params: self.callback(
                call, "recording_callback", url, method, p))
