"""The TwiML interpreter: runs documents verb by verb against a simulated party.

Semantics follow Twilio: relative URLs resolve against the document's URL, actions
default to POST and to the current document, a Gather without input and without
``actionOnEmptyResult`` falls through to the next verb, a Record with no audio falls
through too, and the end of the document completes the call. The whole document is
validated before anything runs, so a bad document ends the call with 12100/12200 as
Twilio would log, rather than half-running.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from . import audio
from .model import Call, CallEnded, NextDoc
from .phones import HANGUP

if TYPE_CHECKING:
    from .carrier import Carrier

VERBS = {"Say", "Play", "Pause", "Gather", "Record", "Redirect", "Hangup", "Reject", "Dial"}
GATHER_CHILDREN = {"Say", "Play", "Pause"}
INT_ATTRS = {"loop", "length", "timeout", "numDigits", "maxLength"}
SAY_WORDS_PER_S = 2.5
KEY_PRESS_S = 0.3


class TwimlError(Exception):
    """A Twilio-logged error that ends the call (e.g. 11200, 12100, 12200)."""

    def __init__(self, code: int, message: str, **info: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.info = info


@dataclass
class Doc:
    verbs: list[ET.Element]
    url: str


def parse(text: str, url: str) -> Doc:
    """Parse and validate a TwiML document; raises TwimlError 12100 or 12200."""
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError as exc:
        raise TwimlError(12100, f"Document parse failure: {exc}", url=url) from None
    if root.tag != "Response":
        raise TwimlError(12100, f"Document root is <{root.tag}>, expected <Response>", url=url)
    for verb in root:
        _validate(verb, VERBS, url)
        if verb.tag == "Gather":
            for child in verb:
                _validate(child, GATHER_CHILDREN, url)
            if verb.get("input", "dtmf") not in ("dtmf", "speech", "dtmf speech", "speech dtmf"):
                raise TwimlError(12200, f"Invalid Gather input {verb.get('input')!r}", url=url)
    return Doc(list(root), url)


def _validate(el: ET.Element, allowed: set[str], url: str) -> None:
    if el.tag not in allowed:
        raise TwimlError(12200, f"Schema validation warning: <{el.tag}> is not supported here",
                         url=url)
    for name in INT_ATTRS & set(el.attrib):
        try:
            int(el.attrib[name])
        except ValueError:
            raise TwimlError(12200, f"<{el.tag}> {name}={el.attrib[name]!r} is not an integer",
                             url=url) from None
    method = el.get("method")
    if method is not None and method.upper() not in ("GET", "POST"):
        raise TwimlError(12200, f"<{el.tag}> method={method!r} is invalid", url=url)


def _bool(el: ET.Element, name: str, default: bool) -> bool:
    value = el.get(name)
    return default if value is None else value.strip().lower() == "true"


def say_seconds(text: str) -> float:
    """How long text-to-speech takes: about 150 words a minute, at least a second."""
    return max(1.0, len(text.split()) / SAY_WORDS_PER_S)


class Interpreter:
    """Runs one call's TwiML from its first document until hangup or the end."""

    def __init__(self, carrier: Carrier, call: Call) -> None:
        self.carrier = carrier
        self.call = call
        self.t = call.transcript

    # -- documents ---------------------------------------------------------------------
    def load(self, nxt: NextDoc) -> Doc:
        if nxt.url is None:
            base = self.call.params.get("Url") or ""
            return parse(nxt.twiml or "", base)
        resp = self.carrier.app_request(self.call, nxt)
        return parse(resp.text, nxt.url)

    def run_document(self, nxt: NextDoc) -> NextDoc | None:
        """Run one document; return where the next one comes from, or None to end."""
        doc = self.load(nxt)
        for verb in doc.verbs:
            self.call.check()
            if self.call.direction == "inbound" and verb.tag != "Reject":
                self.carrier.answer_inbound(self.call)
            result = getattr(self, "_" + verb.tag.lower())(verb, doc)
            if result is not None:
                return result if isinstance(result, NextDoc) else None
        self.t.event("end", reason="document ended")
        return None

    def _url(self, doc: Doc, value: str | None) -> str:
        return urljoin(doc.url, value.strip()) if value else doc.url

    # -- audible verbs -----------------------------------------------------------------
    def _audible(self, type_: str, one_s: float, loops: int, **fields: Any) -> None:
        total = one_s * loops
        start = time.time()
        ev = self.t.event(type_, **fields, loop=loops, duration_s=round(total, 2), heard=None)
        try:
            self.call.wait(total)
        except Exception:
            self.t.update(ev, interrupted=True, heard_s=round(self.call.sim_since(start), 2),
                          heard=self.call.phone.heard(self.call, start, time.time()))
            raise
        self.t.update(ev, heard=self.call.phone.heard(self.call, start, time.time()))

    @staticmethod
    def _loops(el: ET.Element) -> int:
        n = int(el.get("loop", "1"))
        return 1000 if n == 0 else max(1, n)

    def _say(self, el: ET.Element, doc: Doc) -> None:
        text = " ".join("".join(el.itertext()).split())
        self._audible("say", say_seconds(text), self._loops(el), text=text,
                      language=el.get("language", "en-US"), voice=el.get("voice", "man"))

    def _play(self, el: ET.Element, doc: Doc) -> None:
        url = self._url(doc, el.text)
        try:
            seconds = self.carrier.media_seconds(url)
        except TwimlError as exc:
            self.t.event("error", code=exc.code, message=exc.message, url=url, verb="Play")
            return
        self._audible("play", seconds, self._loops(el), url=url)

    def _pause(self, el: ET.Element, doc: Doc) -> None:
        length = int(el.get("length", "1"))
        self.t.event("pause", length_s=length)
        self.call.wait(length)

    # -- input verbs -------------------------------------------------------------------
    def _gather(self, el: ET.Element, doc: Doc) -> NextDoc | None:
        prompt: list[str] = []
        for child in el:
            getattr(self, "_" + child.tag.lower())(child, doc)
            if child.tag == "Say":
                prompt.append(" ".join("".join(child.itertext()).split()))
            elif child.tag == "Play":
                prompt.append(self._url(doc, child.text))
        timeout = int(el.get("timeout", "5"))
        num_digits = int(el.get("numDigits", "0")) or None
        finish = el.get("finishOnKey", "#")
        spec = {"num_digits": num_digits, "finish_on_key": finish, "timeout_s": timeout,
                "prompt": prompt}
        token = self.call.phone.gather(spec, self.call)
        if token == HANGUP:
            self.t.event("gather", prompt=prompt, digits="", timed_out=False, hangup=True)
            raise CallEnded("caller")
        digits, key = "", None
        for ch in token:
            if ch in finish:
                key = ch
                break
            digits += ch
            if num_digits and len(digits) >= num_digits:
                break
        complete = key is not None or (num_digits is not None and len(digits) >= num_digits)
        if not self.call.phone.interactive:
            self.call.wait(KEY_PRESS_S * len(token) + (0 if complete else timeout))
        self.t.event("gather", prompt=prompt, digits=digits, finished_on_key=key,
                     timed_out=not complete)
        action = self._url(doc, el.get("action"))
        method = el.get("method", "POST").upper()
        if digits:
            return NextDoc(action, method, extra={"Digits": digits, "FinishedOnKey": key or ""},
                           kind="action")
        if _bool(el, "actionOnEmptyResult", False):
            return NextDoc(action, method, extra={"Digits": ""}, kind="action")
        return None

    def _record(self, el: ET.Element, doc: Doc) -> NextDoc | None:
        timeout = int(el.get("timeout", "5"))
        max_length = int(el.get("maxLength", "3600")) or 3600
        finish = el.get("finishOnKey", "1234567890*#")
        if _bool(el, "playBeep", True):
            self.t.event("record_beep")
            self.call.wait(0.5)
        spec = {"max_length_s": max_length, "timeout_s": timeout, "finish_on_key": finish}
        spoken, how = self.call.phone.record(spec, self.call)
        if spoken is None:
            if how == "hangup":
                self.t.event("record", recording_sid=None, duration_s=0, hangup=True)
                raise CallEnded("caller")
            self.call.wait(timeout)
            self.t.event("record", recording_sid=None, duration_s=0, timed_out=True)
            return None
        try:
            wav, seconds = audio.normalize(spoken, max_length)
        except audio.NotAudio as exc:
            raise TwimlError(12300, f"Caller audio is not WAV: {exc}") from None
        action = self._url(doc, el.get("action"))
        method = el.get("method", "POST").upper()
        try:
            self.call.wait(seconds, interruptible=False)
        except CallEnded as ended:
            if ended.reason == "caller":
                rec = self._store(el, doc, wav, seconds, "hangup")
                self.carrier.post_action_ignoring(self.call, NextDoc(
                    action, method, extra=self._rec_params(rec, "hangup"), kind="action"))
            raise
        digits: str | None = None
        if seconds >= max_length:
            digits = None
        elif how == "key" and finish:
            digits = "#" if "#" in finish else finish[0]
        else:
            self.call.wait(timeout, interruptible=False)
        rec = self._store(el, doc, wav, seconds, digits)
        return NextDoc(action, method, extra=self._rec_params(rec, digits), kind="action")

    def _store(self, el: ET.Element, doc: Doc, wav: bytes, seconds: float,
               digits: str | None) -> Any:
        rec = self.carrier.add_recording(self.call, wav, seconds)
        self.t.event("record", recording_sid=rec.sid, duration_s=round(seconds, 2),
                     digits=digits, url=self.carrier.recording_url(rec))
        cb = el.get("recordingStatusCallback")
        if cb:
            events = (el.get("recordingStatusCallbackEvent") or "completed").split()
            self.carrier.recording_callback(
                self.call, rec, self._url(doc, cb),
                el.get("recordingStatusCallbackMethod", "POST").upper(), events)
        return rec

    def _rec_params(self, rec: Any, digits: str | None) -> dict[str, str]:
        params = {"RecordingUrl": self.carrier.recording_url(rec), "RecordingSid": rec.sid,
                  "RecordingDuration": str(round(rec.duration_s))}
        if digits is not None:
            params["Digits"] = digits
        return params

    # -- control verbs -----------------------------------------------------------------
    def _redirect(self, el: ET.Element, doc: Doc) -> NextDoc:
        url = self._url(doc, el.text)
        method = el.get("method", "POST").upper()
        self.t.event("redirect", url=url, method=method)
        return NextDoc(url, method, kind="redirect")

    def _hangup(self, el: ET.Element, doc: Doc) -> bool:
        self.t.event("hangup", by="app")
        return True

    def _reject(self, el: ET.Element, doc: Doc) -> bool:
        reason = el.get("reason", "rejected")
        self.t.event("reject", reason=reason)
        self.carrier.reject(self.call, reason)
        return True

    def _dial(self, el: ET.Element, doc: Doc) -> None:
        target = " ".join("".join(el.itertext()).split())
        self.t.event("dial", number=target, note="logged only; not connected")
