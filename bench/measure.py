"""The measurements of `python -m bench`, each on a fresh stack (bench/stack.py).

Times come from one clock (this machine's): the sandbox stamps when it starts each call
(`start_ts`) and each webhook's response time (`elapsed_ms`); SQL has when our create
request was sent (`call_attempts.dialed_at`). Ratios and medians, never one absolute time.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import func, select

from bench.stack import RECORDING_LINE, Stack, StackOptions
from bench.support import median, percentile

# An answered call of realistic shape: rings 3 s, AMD says human, the message plays,
# the member presses 1. Time-scaled, so a call is a few tenths of a second.
HUMAN = {"default": {"answer": "human", "after_s": 3, "digits": "1"}}


@dataclass
class Dispatch:
    database: str
    members: int
    cps: float
    starts: list[float]  # sandbox start times, seconds after the first
    efficiency: float  # (N-1) / (last start - first start) / CPS
    sent_efficiency: float  # the same from our create requests (dialed_at)
    webhook_p50_ms: float
    webhook_p99_ms: float
    webhooks: int
    app_p50_ms: float  # the same requests timed inside gunicorn
    app_p99_ms: float
    plan_s: float
    cpu_cores: dict[str, float]  # CPU cores busy per role during the broadcast
    complete: bool
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def repair_s() -> float:
    """How long settling may take when a final status callback was lost (a webhook that
    failed or timed out under overload): the reconciler asks the carrier about such a call
    once it is `asked_after()` old, on one of its rounds. A check that gives up sooner
    would report as lost what is only waiting. Read from the stack's own config."""
    from domain.broadcast.reconcile import asked_after

    return asked_after().total_seconds() + 60


def dispatch(database: str, members: int, cps: float, workers: int = 2,
             window_s: float | None = None) -> Dispatch:
    """One broadcast to `members` at `cps`. With `window_s`, the broadcast is cancelled
    after that long (a long run at a low rate); the efficiency covers the calls made."""
    options = StackOptions(database=database, cps=cps, workers=workers, scenario=HUMAN)
    with Stack(options) as stack:
        stack.seed_members(members)
        cpu0, t0 = stack.cpu_seconds(), time.monotonic()
        message_id = stack.start_broadcast()
        note = ""
        if window_s is not None and members / cps > window_s:
            time.sleep(window_s)
            cancel(stack, message_id)
            note = f"cancelled after {window_s:.0f} s"
        stack.wait_settled(message_id, timeout=max(members / cps * 3 + 120, repair_s()))
        elapsed = time.monotonic() - t0
        cpu1 = stack.cpu_seconds()
        stack.sandbox_idle()
        calls = stack.sandbox_calls()
        check = completeness(stack, message_id, calls)
        sent = sent_times(message_id)
        plan_s = plan_seconds(message_id)
        app_ms = stack.app_times_ms()
        check["tracebacks"] = stack.tracebacks()
    starts = sorted(c["start_ts"] for c in calls if c["start_ts"])
    first, last = starts[0], starts[-1]
    peak = [w[2] for c in calls for w in c["webhooks"]
            if w[2] is not None and _in_peak(w[1], first, last)]
    check["webhooks_failed"] = sum(w[3] is None or w[3] >= 400 for c in calls
                                   for w in c["webhooks"])
    if check["webhooks_failed"]:
        failed = check["webhooks_failed"]
        note = f"{note}; {failed} webhook{'s' if failed > 1 else ''} failed".lstrip("; ")
    if check["tracebacks"]:
        note = f"{note}; tracebacks {check['tracebacks']}".lstrip("; ")
    return Dispatch(
        database=database, members=members, cps=cps, starts=[t - first for t in starts],
        efficiency=_efficiency(starts, cps), sent_efficiency=_efficiency(sent, cps),
        webhook_p50_ms=percentile(peak, 50), webhook_p99_ms=percentile(peak, 99),
        webhooks=len(peak), app_p50_ms=percentile(app_ms, 50),
        app_p99_ms=percentile(app_ms, 99), plan_s=plan_s,
        cpu_cores={k: round((v - cpu0.get(k, 0.0)) / elapsed, 2) for k, v in cpu1.items()},
        complete=check["ok"], note=note, detail=check)


def _efficiency(times: list[float], cps: float) -> float:
    if len(times) < 2 or times[-1] <= times[0]:
        return float("nan")
    return (len(times) - 1) / (times[-1] - times[0]) / cps


def _in_peak(ts: float, first: float, last: float) -> bool:
    """The middle 60 % of the dial span: the rate is at its peak, ramp-up and tail out."""
    span = last - first
    return first + 0.2 * span <= ts <= first + 0.8 * span


def cancel(stack: Stack, message_id: int) -> None:
    from domain.broadcast.cancel import cancel_broadcast

    cancel_broadcast(message_id, "bench")


def sent_times(message_id: int) -> list[float]:
    from domain.db import db
    from domain.models import CallAttempt, Delivery

    rows = db.session.scalars(select(CallAttempt.dialed_at).join(Delivery).where(
        Delivery.message_id == message_id, CallAttempt.dialed_at.is_not(None))).all()
    db.session.commit()
    return sorted(t.timestamp() for t in rows)


def plan_seconds(message_id: int) -> float:
    """From claiming the message (planned_at) to its deliveries written (the audit entry
    made right before the plan's commit)."""
    from domain.db import db
    from domain.models import AuditLog, Message

    message = db.session.get(Message, message_id)
    planned = db.session.scalar(select(AuditLog.at).where(
        AuditLog.action == "broadcast.planned", AuditLog.subject == f"message:{message_id}"))
    db.session.commit()
    return (planned - message.planned_at).total_seconds()


def completeness(stack: Stack, message_id: int, calls: list[dict[str, Any]],
                 timeout: float | None = None) -> dict[str, Any]:
    """Nothing lost, nobody called twice: every delivery settled (after a cancel, calls
    still live settle on their final callback: waited for up to `timeout`, by default
    `repair_s()`), every attempt has one carrier call and every carrier call one attempt,
    no number called twice."""
    from domain.db import db
    from domain.models import CallAttempt, Delivery

    deadline = time.monotonic() + (repair_s() if timeout is None else timeout)
    while True:
        db.session.expire_all()
        open_count = db.session.scalar(select(func.count()).where(
            Delivery.message_id == message_id, Delivery.status.in_(("pending", "calling"))))
        db.session.commit()
        if open_count == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if calls and open_count == 0:
        stack.sandbox_idle()
        calls[:] = stack.sandbox_calls()
    deliveries = db.session.scalar(select(func.count()).where(Delivery.message_id == message_id))
    sids = db.session.scalars(select(CallAttempt.call_sid).join(Delivery).where(
        Delivery.message_id == message_id, CallAttempt.call_sid.is_not(None))).all()
    db.session.commit()
    carrier = [c["sid"] for c in calls]
    numbers = [c["to"] for c in calls]
    result = {"deliveries": deliveries, "open": open_count, "attempts": len(sids),
              "carrier_calls": len(carrier), "numbers_twice": len(numbers) - len(set(numbers)),
              "ok": open_count == 0 and sorted(sids) == sorted(carrier)
              and len(set(numbers)) == len(numbers)}
    return result


@dataclass
class Concurrency:
    database: str
    members: int
    utilisation: float  # fraction of the broadcast with all slots busy
    mean_gap_ms: float  # median: a slot's end to the next call's start
    call_s: float  # median call length (real seconds, scaled)
    time_scale: float


def concurrency(database: str, members: int = 60, max_concurrent: int = 3,
                time_scale: float = 0.05) -> Concurrency:
    """CARRIER_MAX_CONCURRENT=3 with calls of realistic length, time-scaled: ring 6 s, the
    intro, a 30 s message and the menu (about a minute a call; 3 s at time scale 0.05)."""
    scenario = {"default": {"answer": "human", "after_s": 6, "digits": "1"}}
    options = StackOptions(database=database, cps=10, max_concurrent=max_concurrent,
                           time_scale=time_scale, scenario=scenario)
    with Stack(options) as stack:
        stack.seed_members(members)
        message_id = stack.start_broadcast(audio_s=30.0)
        stack.wait_settled(message_id, timeout=members * 45 * time_scale + 120)
        stack.sandbox_idle()
        calls = stack.sandbox_calls()
    spans = sorted((c["start_ts"], c["end_ts"]) for c in calls)
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    live, full, since = 0, 0.0, None
    for ts, step in edges:
        live += step
        if live >= max_concurrent and since is None:
            since = ts
        elif live < max_concurrent and since is not None:
            full += ts - since
            since = None
    # a freed slot's next call: the first start after each end, while work remained
    ends = sorted(e for _, e in spans)
    starts = sorted(s for s, _ in spans)
    gaps = [min(s - e for s in starts if s >= e) for e in ends[:-max_concurrent]
            if any(s >= e for s in starts)]
    window = max(e for _, e in spans) - min(s for s, _ in spans)
    return Concurrency(database=database, members=members, utilisation=full / window,
                       mean_gap_ms=median(gaps) * 1000,
                       call_s=median([e - s for s, e in spans]), time_scale=time_scale)


@dataclass
class FirstRing:
    database: str
    runs: int
    seconds: float  # recording length
    median_s: float
    samples: list[float] = field(default_factory=list)


def first_ring(database: str, runs: int = 20, seconds: float = 60.0,
               time_scale: float = 0.02) -> FirstRing:
    """The officer on the sandbox phone records `seconds` of speech and presses 1; time
    from the carrier posting that "1" to the first member call created at the carrier,
    including the recording's download and processing by the worker."""
    from audio import tone_wav
    from tests.factories import make_officer

    options = StackOptions(database=database, cps=50, time_scale=time_scale, scenario=HUMAN)
    wav = base64.b64encode(tone_wav(seconds, lead_silence_s=1.0, tail_silence_s=1.5)).decode()
    samples = []
    with Stack(options) as stack:
        stack.seed_members(5)
        from domain.db import db

        make_officer(db, pin="246810", number="4711", name="Agent Bench")
        for n in range(runs):
            response = requests.post(f"{stack.sandbox_url}/sandbox/inbound", timeout=10, json={
                "to": RECORDING_LINE, "from": f"+3247080{n:04d}",
                "keys": "4711# 246810# 1 11# 1 1", "record": [wav]})
            response.raise_for_status()
            sid = response.json()["sid"]
            call = _wait_call(stack, sid)
            sent = [e for e in call["events"] if e["type"] == "gather" and e.get("digits") == "1"]
            sent_at = sent[-1]["ts"]
            first = _first_outbound_after(stack, sent_at)
            samples.append(first - sent_at)
            stack.sandbox_idle(60)
    return FirstRing(database=database, runs=runs, seconds=seconds, median_s=median(samples),
                     samples=samples)


def _wait_call(stack: Stack, sid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        call = requests.get(f"{stack.sandbox_url}/sandbox/calls/{sid}", timeout=10).json()
        if call["status"] == "completed":
            return call
        if time.monotonic() > deadline:
            raise TimeoutError(f"recording call {sid} did not end")
        time.sleep(0.02)


def _first_outbound_after(stack: Stack, ts: float) -> float:
    deadline = time.monotonic() + 60
    while True:
        created = [c["created_ts"] for c in stack.sandbox_calls() if c["created_ts"] >= ts]
        if created:
            return min(created)
        if time.monotonic() > deadline:
            raise TimeoutError("no member call after the officer pressed 1")
        time.sleep(0.02)


@dataclass
class Scale:
    database: str
    members: int
    plan_s: float
    redis_peak_mb: float
    worker_rss_mb: float
    calls: int
    complete: bool
    detail: dict[str, Any]
    note: str


def scale(database: str, members: int = 100_000, cps: float = 100.0,
          window_s: float | None = 60.0) -> Scale:
    """A broadcast to `members`: planning time, peak Redis memory, peak worker RSS and
    completeness. Calls are short (busy at once, one attempt: three callbacks each);
    with `window_s` the broadcast is cancelled after that long and every delivery must
    then be settled (done or cancelled) with one carrier call per attempt."""
    options = StackOptions(database=database, cps=cps, time_scale=0.01,
                           scenario={"default": {"answer": "busy", "after_s": 2}},
                           env={"RING_TIMEOUT_S": "10", "CALL_TIME_LIMIT_S": "60"})
    with Stack(options) as stack:
        stack.seed_members(members)
        message_id = stack.start_broadcast()
        note = "all members called"
        if window_s is not None:
            time.sleep(window_s)
            cancel(stack, message_id)
            note = f"cancelled after {window_s:.0f} s of dialling"
        stack.wait_settled(message_id, timeout=members / cps * 3 + 300)
        stack.sandbox_idle(120)
        calls = stack.sandbox_calls()
        detail = completeness(stack, message_id, calls)
        plan_s = plan_seconds(message_id)
        redis_peak = stack.redis_peak_bytes()
        rss = stack.peak_rss.get("worker", 0)  # the largest worker process
    return Scale(database=database, members=members, plan_s=plan_s,
                 redis_peak_mb=redis_peak / 2**20, worker_rss_mb=rss / 2**20,
                 calls=len(calls), complete=detail["ok"], detail=detail, note=note)
