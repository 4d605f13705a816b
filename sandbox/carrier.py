"""The carrier: call lifecycle, pacing (CPS + concurrency), AMD and the app's webhooks.

One thread per live call walks it through queued -> ringing -> in-progress -> final,
waiting in *simulated* seconds (real seconds x time scale). Pacing is in *real* seconds:
the app paces against the carrier's real limits, so the sandbox must enforce those in
wall-clock time whatever the time scale.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from typing import Any

from . import audio
from .callbacks import CallbacksMixin, base_params
from .faults import Dice, Faults, Fired
from .messages import Messenger
from .model import Call, CallEnded, NextDoc, Number, Recording, Redirected, new_sid
from .phones import Behaviour, HumanPhone, MachinePhone, Party, Scenario
from .schema import API_PREFIX, ApiError
from .signing import WebhookClient, WebhookError, WebhookResponse
from .tariff import Tariff
from .transcript import Transcript
from .twiml import Interpreter, TwimlError
from .workers import Work

# A start is allowed when the cps-th previous one is this long ago: one second, plus half a
# millisecond so that transcript times (rounded to 0.1 ms) never show cps+1 in a second.
WINDOW_S = 1.0005
CATCH_UP_S = 1.0
AUDIO_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")


class Carrier(CallbacksMixin):
    def __init__(self, *, account_sid: str, auth_token: str, scenario: Scenario, cps: float,
                 max_concurrent: int, time_scale: float, faults: Faults, dice: Dice,
                 webhook_timeout_s: float = 15.0) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.scenario = scenario
        self.cps = cps
        self.max_concurrent = max_concurrent
        self.scale = time_scale
        self.faults = faults
        self.fired = Fired()
        self.tariff = Tariff()
        self.dice = dice
        self.base_url = ""
        self.lock = threading.RLock()
        self.calls: dict[str, Call] = {}
        self.recordings: dict[str, Recording] = {}
        self.deleted_recordings: list[dict[str, Any]] = []  # DELETE Recordings/{Sid}, in order
        self.numbers: dict[str, Number] = {}
        self.messenger = Messenger(self)  # the Messages API (SMS)
        self._media: dict[str, float] = {}
        self._queue: deque[Call] = deque()
        self._qcond = threading.Condition(self.lock)
        self._active = 0
        self._stopping = False
        self.work = Work()
        self.webhooks = WebhookClient(auth_token, timeout_s=webhook_timeout_s,
                                      latency_ms=self._webhook_latency_ms)
        self._dispatcher = threading.Thread(target=self._dispatch_loop, name="sbx-dispatch",
                                            daemon=True)
        self._dispatcher.start()

    def _webhook_latency_ms(self) -> float:
        delay = self.faults.webhook_latency_ms
        if delay > 0:
            self.fired.hit("webhook_latency")
        return delay

    # -- numbers -------------------------------------------------------------------------
    def add_number(self, phone: str, voice_url: str | None = None, *, verified_only: bool = False,
                   voice_method: str = "POST", status_callback: str | None = None) -> Number:
        with self.lock:
            num = Number(new_sid("PN"), phone, voice_url, voice_method, status_callback,
                         verified_only)
            self.numbers[phone] = num
            return num

    def may_call_from(self, phone: str) -> bool:
        """Twilio only lets you present a number you own or verified (else 21210)."""
        return phone in self.numbers

    # -- creating calls ------------------------------------------------------------------
    def _new_call(self, to: str, from_: str, direction: str, params: dict[str, Any]) -> Call:
        sid = new_sid("CA")
        t = Transcript(sid=sid, direction=direction, from_=from_, to=to, scale=self.scale)
        call = Call(sid=sid, account_sid=self.account_sid, to=to, from_=from_,
                    direction=direction, scale=self.scale, params=params, transcript=t,
                    created=t.created, updated=t.created)
        with self.lock:
            self.calls[sid] = call
        return call

    def create_call(self, params: dict[str, Any]) -> Call:
        call = self._new_call(params["To"], params["From"], "outbound-api", params)
        call.reorder_callbacks = self.dice.chance(self.faults.callback_reorder_rate)
        call.transcript.status("queued", call.created)
        with self._qcond:
            self._queue.append(call)
            self._qcond.notify_all()
        return call

    def inbound(self, to: str, from_: str, party: Party) -> Call:
        num = self.numbers.get(to)
        if num is None or not num.voice_url:
            raise KeyError(to)
        params = {"Url": num.voice_url, "Method": num.voice_method}
        if num.status_callback:
            params["StatusCallback"] = num.status_callback
        call = self._new_call(to, from_, "inbound", params)
        call.phone = party
        call.status = "ringing"
        call.start = call.created
        call.transcript.status("ringing", call.created)
        self._spawn(call, self._run_inbound)
        return call

    def _spawn(self, call: Call, target: Any) -> None:
        threading.Thread(target=target, args=(call,), name=f"sbx-{call.sid[:10]}",
                         daemon=True).start()

    # -- pacing --------------------------------------------------------------------------
    def _slots_free(self) -> bool:
        return self.max_concurrent <= 0 or self._active < self.max_concurrent

    def _dispatch_loop(self) -> None:
        """Start queued calls at exactly ``cps`` a second in the long run, never more than
        ``cps`` in any one second.

        Each start is due one interval after the previous start's *due* time, not after the
        moment it really happened: a dispatcher that wakes a little late (a busy machine)
        does not push every later call back, which would make the carrier slower than its
        limit (it did: 45 starts/s at --cps 50 on a loaded 2-core machine). A sliding
        window of the last ``cps`` starts keeps any catch-up within ``cps`` a second."""
        due = 0.0
        recent: deque[float] = deque()
        while True:
            with self._qcond:
                while not self._stopping and not (self._queue and self._slots_free()):
                    self._qcond.wait(0.5)
                if self._stopping:
                    return
            interval = 1.0 / self.cps if self.cps > 0 else 0.0
            limit = max(1, int(self.cps))
            now = time.time()
            wait = due - now
            if interval and len(recent) >= limit:
                wait = max(wait, recent[0] + WINDOW_S - now)
            if wait > 0:
                time.sleep(wait)
                continue  # look again: the call may have been cancelled meanwhile
            with self._qcond:
                if not (self._queue and self._slots_free()):
                    continue
                call = self._queue.popleft()
                call.dispatched = True
                self._active += 1
                call.start = now = time.time()
                call.queue_time_ms = int((call.start - call.created) * 1000)
            # late (the GIL, a busy machine): stay on the schedule for up to a second
            # behind it, the window keeps the catch-up within cps; idle longer: start afresh
            due = max(due + interval, now - CATCH_UP_S + interval)
            if interval:
                recent.append(now)
                while len(recent) > limit:
                    recent.popleft()
            self._spawn(call, self._run_outbound)

    # -- lifecycle -----------------------------------------------------------------------
    def _set_status(self, call: Call, status: str) -> None:
        with self.lock:
            call.status = status
            call.updated = time.time()
        call.transcript.status(status, call.updated)

    def _run_outbound(self, call: Call) -> None:
        b = self.scenario.behaviour_for(call.to)
        call.phone = MachinePhone(b) if b.answer == "machine" else HumanPhone(b)
        call.transcript.set(phone=b.answer)
        if call.params.get("TimeLimit"):
            call.limit_at = call.start + int(call.params["TimeLimit"]) * self.scale
        try:
            call.transcript.event("initiated", ts=call.start, queue_time_ms=call.queue_time_ms)
            self.status_event(call, "initiated")
            if b.answer == "failed":
                call.wait(0.5)
                return self._finish(call, "failed")
            self._set_status(call, "ringing")
            self.status_event(call, "ringing")
            timeout = int(call.params.get("Timeout", 60))
            if b.answer == "busy":
                call.wait(min(b.after_s, 2.0))
                return self._finish(call, "busy")
            if b.answer == "no-answer" or b.after_s >= timeout:
                call.wait(timeout)
                return self._finish(call, "no-answer")
            call.wait(b.after_s)
            self._answer(call, b)
            first = self._first_doc(call)
            if call.params.get("MachineDetection"):
                first = self._amd(call, b, first)
            self.run_app(call, first)
            self._finish(call, "completed")
        except CallEnded as ended:
            self._ended(call, ended)
        except Exception as exc:  # a sandbox bug must still end the call visibly
            call.transcript.event("error", code=0, message=f"sandbox error: {exc!r}")
            self._finish(call, "failed" if call.answer is None else "completed")

    def _ended(self, call: Call, ended: CallEnded) -> None:
        if call.final:
            return
        if call.answer is None:
            self._finish(call, "canceled" if ended.reason in ("canceled", "completed")
                         else "no-answer")
            return
        by = {"caller": "caller", "time-limit": "time-limit"}.get(ended.reason, "api")
        call.transcript.event("hangup", by=by)
        self._finish(call, "completed")

    def _first_doc(self, call: Call) -> NextDoc:
        if call.params.get("Url"):
            return NextDoc(call.params["Url"], call.params.get("Method", "POST"))
        return NextDoc(twiml=call.params.get("Twiml", ""))

    def _answer(self, call: Call, b: Behaviour) -> None:
        call.answer = time.time()
        self._set_status(call, "in-progress")
        call.transcript.event("answered", by=b.answer)
        if b.answer == "machine":
            call.beep_at = call.answer + b.greeting_s * self.scale
            call.caller_hangup_at = call.beep_at + b.max_message_s * self.scale
            self.work.at(call.beep_at, lambda: None if call.final else call.transcript.event(
                "beep", greeting_s=b.greeting_s))
        elif b.hangup_after_s is not None:
            call.caller_hangup_at = call.answer + b.hangup_after_s * self.scale
        self.status_event(call, "answered")

    def _detect(self, call: Call, b: Behaviour, mode: str) -> tuple[str, float]:
        """What AMD concludes and after how many simulated seconds."""
        timeout = float(call.params.get("MachineDetectionTimeout", 30))
        machine = b.answer == "machine"
        if not machine:
            answered_by, seconds = b.amd or "human", 2.0
        elif b.amd:
            answered_by = b.amd
            seconds = b.greeting_s if b.amd.startswith("machine_end") else min(3.0, b.greeting_s)
        elif mode == "Enable":
            answered_by, seconds = "machine_start", min(3.0, b.greeting_s)
        else:
            answered_by, seconds = "machine_end_beep", b.greeting_s
        if seconds > timeout:
            answered_by = "machine_end_other" if machine and mode != "Enable" else "unknown"
            seconds = timeout
        return answered_by, seconds

    def _amd(self, call: Call, b: Behaviour, first: NextDoc) -> NextDoc:
        answered_by, seconds = self._detect(call, b, call.params["MachineDetection"])
        if str(call.params.get("AsyncAmd", "false")).lower() == "true":
            self.work.at(call.answer + seconds * self.scale,
                         lambda: self.amd_result(call, answered_by, seconds))
            return first
        try:
            call.wait(seconds)
        except Redirected:
            first = call.take_redirect() or first
        call.answered_by = answered_by
        call.transcript.set(answered_by=answered_by)
        call.transcript.event("amd", answered_by=answered_by, detection_s=seconds, mode="sync")
        return first

    def run_app(self, call: Call, first: NextDoc) -> None:
        """Fetch and run TwiML until the app hangs up, the document ends or an error."""
        interp = Interpreter(self, call)
        nxt: NextDoc | None = first
        while nxt is not None:
            try:
                nxt = interp.run_document(nxt)
            except Redirected:
                nxt = call.take_redirect()
                if nxt is not None:
                    call.transcript.event("updated", url=nxt.url, method=nxt.method,
                                          twiml=nxt.twiml)
            except TwimlError as err:
                call.transcript.event("error", code=err.code, message=err.message, **err.info)
                call.transcript.set(error={"code": err.code, "message": err.message})
                nxt = None

    def _run_inbound(self, call: Call) -> None:
        try:
            self.run_app(call, NextDoc(call.params["Url"], call.params.get("Method", "POST")))
            self._finish(call, call.rejected or "completed")
        except CallEnded as ended:
            if call.answer is None and not call.final:
                call.answer = time.time()
            self._ended(call, ended)
        except Exception as exc:  # see _run_outbound
            call.transcript.event("error", code=0, message=f"sandbox error: {exc!r}")
            self._finish(call, "completed")

    def answer_inbound(self, call: Call) -> None:
        if call.answer is None:
            call.answer = time.time()
            self._set_status(call, "in-progress")

    def reject(self, call: Call, reason: str) -> None:
        call.rejected = "busy" if reason == "busy" else "failed"

    def _finish(self, call: Call, status: str) -> None:
        with self._qcond:
            if call.final:
                return
            call.end = time.time()
            self.tariff.settle(call)
            if call.dispatched:
                self._active -= 1
                self._qcond.notify_all()
        self._set_status(call, status)
        call.transcript.set(duration_s=call.duration_s(), answered_by=call.answered_by)
        self.status_event(call, "completed")
        call.done.set()

    # -- REST-driven changes -------------------------------------------------------------
    def update_call(self, call: Call, params: dict[str, Any]) -> None:
        for key in ("StatusCallback", "StatusCallbackMethod"):
            if key in params:
                call.params[key] = params[key]
        status = params.get("Status")
        if status:
            with self._qcond:
                if call.final:
                    return
                if not call.dispatched and call.direction == "outbound-api":
                    self._queue.remove(call)
                    queued = True
                else:
                    queued = False
            if queued:
                self._finish(call, "canceled")
            elif call.answer is None:
                call.stop("canceled")
            elif status == "completed":
                call.stop("completed")
            call.done.wait(2.0 if status == "completed" or call.answer is None else 0)
            return
        if params.get("Url") or params.get("Twiml"):
            if call.status != "in-progress":
                raise ApiError(400, 21220, "Call is not in-progress. Cannot redirect.")
            if params.get("Url"):
                call.redirect(NextDoc(params["Url"], params.get("Method", "POST"), kind="update"))
            else:
                call.redirect(NextDoc(twiml=params["Twiml"], kind="update"))

    # -- webhooks and media --------------------------------------------------------------
    def app_request(self, call: Call, nxt: NextDoc) -> WebhookResponse:
        """Request TwiML from the app; non-2xx or no connection ends the call (11200/11205)."""
        assert nxt.url is not None
        status = "ringing" if call.direction == "inbound" and call.answer is None else None
        params = {**base_params(self, call, status), **nxt.extra}
        entry: dict[str, Any] = {"kind": nxt.kind, "url": nxt.url, "method": nxt.method,
                                 "params": params}
        try:
            resp = self.webhooks.send(nxt.url, nxt.method, params)
        except WebhookError as exc:
            call.transcript.webhook(**entry, error=str(exc))
            raise TwimlError(11205, f"HTTP connection failure: {exc}", url=nxt.url) from None
        call.transcript.webhook(**entry, status_code=resp.status_code,
                                elapsed_ms=resp.elapsed_ms)
        if not 200 <= resp.status_code < 300:
            raise TwimlError(11200, f"HTTP retrieval failure: status {resp.status_code}",
                             url=nxt.url, status_code=resp.status_code)
        return resp

    def post_action_ignoring(self, call: Call, nxt: NextDoc) -> None:
        """Twilio posts a Record's action even when the caller hung up; TwiML is ignored."""
        with contextlib.suppress(TwimlError):
            self.app_request(call, nxt)

    def media_seconds(self, url: str) -> float:
        """Fetch a <Play> URL once, check it is audio and return its length."""
        if url in self._media:
            return self._media[url]
        try:
            # Twilio plays its own recordings for the account that owns them
            own = self.base_url and url.startswith(self.base_url)
            resp = self.webhooks.fetch_media(
                url, (self.account_sid, self.auth_token) if own else None)
        except WebhookError as exc:
            raise TwimlError(11205, f"HTTP connection failure fetching audio: {exc}") from None
        if resp.status_code != 200:
            raise TwimlError(11200, f"HTTP retrieval failure: status {resp.status_code}")
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype in ("audio/mpeg", "audio/mp3"):
            seconds = len(resp.content) / 16000.0
        elif ctype in AUDIO_TYPES or resp.content[:4] == b"RIFF":
            try:
                seconds = audio.wav_duration(resp.content)
            except audio.NotAudio as exc:
                raise TwimlError(12300, f"Invalid content: not a WAV file ({exc})") from None
        else:
            raise TwimlError(12300, f"Invalid Content-Type {ctype!r} for <Play>")
        self._media[url] = seconds
        return seconds

    def add_recording(self, call: Call, wav: bytes, seconds: float) -> Recording:
        rec = Recording(new_sid("RE"), call.account_sid, call.sid, wav, seconds)
        with self.lock:
            self.recordings[rec.sid] = rec
            call.recordings.append(rec.sid)
        call.transcript.set(recordings=list(call.recordings))
        return rec

    def delete_recording(self, sid: str) -> bool:
        """Forget a recording as Twilio does on DELETE; False when there is no such one."""
        with self.lock:
            rec = self.recordings.pop(sid, None)
            if rec is None:
                return False
            self.deleted_recordings.append({"sid": sid, "call_sid": rec.call_sid,
                                            "deleted_at": time.time()})
        return True

    def recording_url(self, rec: Recording) -> str:
        return f"{self.base_url}{API_PREFIX}/{rec.account_sid}/Recordings/{rec.sid}"

    # -- housekeeping --------------------------------------------------------------------
    def idle(self) -> bool:
        with self.lock:
            return not self._queue and all(c.final for c in self.calls.values())

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.time() + timeout
        while not self.idle():
            if time.time() > deadline:
                return False
            time.sleep(0.02)
        return self.work.wait_idle(deadline)

    def reset(self) -> None:
        """Forget calls and recordings; live calls are ended first."""
        with self.lock:
            calls = list(self.calls.values())
        for call in calls:
            if not call.final:
                self.update_call(call, {"Status": "completed"})
        self.wait_idle(5.0)
        with self.lock:
            self.calls.clear()
            self.recordings.clear()
            self.deleted_recordings.clear()
        self.messenger.reset()
        self.fired.clear()

    def stop(self) -> None:
        with self._qcond:
            self._stopping = True
            self._qcond.notify_all()
        for call in list(self.calls.values()):
            call.stop("completed")
        self.work.stop()
        self.webhooks.close()
