"""``python -m sandbox call TO --from NUMBER``: a phone for people, talking to the sandbox.

Interactive by default: prints what is said/played as it happens, reads keys at each
Gather and a WAV path (or Enter for a tone) at each Record. With ``--keys``/``--record``
it runs unattended, prints the transcript and exits 0 when the call completed.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

FINAL = {"completed", "busy", "failed", "no-answer", "canceled"}


def describe(ev: dict[str, Any]) -> str:
    """One human line per transcript event."""
    kind = ev["type"]
    t = f"[{ev.get('t', 0):7.1f}s]"
    if kind == "say":
        return f"{t} SAY ({ev.get('language')}, {ev.get('voice')}): {ev.get('text')}"
    if kind == "play":
        return f"{t} PLAY {ev.get('url')} ({ev.get('duration_s')} s x{ev.get('loop')})"
    if kind == "gather":
        how = "timed out" if ev.get("timed_out") else f"finished by {ev.get('finished_on_key')}"
        return f"{t} GATHER digits={ev.get('digits')!r} ({how})"
    if kind == "record":
        return f"{t} RECORD {ev.get('recording_sid')} {ev.get('duration_s')} s"
    if kind == "error":
        return f"{t} ERROR {ev.get('code')}: {ev.get('message')}"
    rest = {k: v for k, v in ev.items() if k not in ("type", "t", "at", "ts")}
    return f"{t} {kind.upper()} {json.dumps(rest) if rest else ''}".rstrip()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sandbox call")
    p.add_argument("to", help="the app's number to call (E.164)")
    p.add_argument("--from", dest="from_", required=True, help="the calling number")
    p.add_argument("--sandbox", default="http://127.0.0.1:5050")
    p.add_argument("--keys", default=None,
                   help='unattended: key tokens, one per Gather, e.g. "4711# 1"; H hangs up')
    p.add_argument("--record", action="append", default=[], metavar="FILE.wav",
                   help="unattended: what to say at each Record (last one repeats)")
    p.add_argument("--record-tone-s", type=float, default=3.0)
    p.add_argument("--timeout", type=float, default=600.0, help="give up after (real) seconds")
    return p


def _answer(base: str, sid: str, waiting: dict[str, Any]) -> None:
    if waiting["kind"] == "gather":
        keys = input(f"  keys (finish {waiting.get('finish_on_key')!r}, H = hang up, "
                     "Enter = silence)> ").strip()
        body: dict[str, Any] = {"hangup": True} if keys.upper() == "H" else {"keys": keys}
    else:
        path = input("  WAV file to say (Enter = 3 s tone, H = hang up)> ").strip()
        if path.upper() == "H":
            body = {"hangup": True}
        elif path:
            body = {"record": base64.b64encode(Path(path).read_bytes()).decode()}
        else:
            body = {"tone_s": 3}
    requests.post(f"{base}/sandbox/calls/{sid}/input", json=body, timeout=10).raise_for_status()


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    base = args.sandbox.rstrip("/")
    unattended = args.keys is not None or bool(args.record)
    body: dict[str, Any] = {"to": args.to, "from": args.from_}
    if unattended:
        body.update(keys=args.keys or "", record_tone_s=args.record_tone_s,
                    record=[base64.b64encode(Path(f).read_bytes()).decode() for f in args.record])
    else:
        body["interactive"] = True
    resp = requests.post(f"{base}/sandbox/inbound", json=body, timeout=10)
    if resp.status_code != 201:
        print(f"sandbox refused the call: {resp.status_code} {resp.text}", file=sys.stderr)
        return 2
    sid = resp.json()["sid"]
    print(f"calling {args.to} from {args.from_}: {sid}", flush=True)
    shown, answered, deadline = 0, None, time.time() + args.timeout
    transcript: dict[str, Any] = {}
    while time.time() < deadline:
        transcript = requests.get(f"{base}/sandbox/calls/{sid}", timeout=10).json()
        for ev in transcript["events"][shown:]:
            print(describe(ev), flush=True)
        shown = len(transcript["events"])
        waiting = transcript.get("waiting_for")
        if waiting and not unattended and answered != shown:
            answered = shown
            _answer(base, sid, waiting)
        if transcript["status"] in FINAL:
            break
        time.sleep(0.05)
    status = transcript.get("status")
    print(f"call {sid} ended: {status} ({transcript.get('duration_s')} s)")
    if unattended:
        print(json.dumps(transcript, indent=2))
    return 0 if status == "completed" else 1
