"""`make demo`: the whole story in two minutes, in the terminal.

A police officer calls the recording line (the sandbox phone), signs in, records a message
for the demo BIN and presses 1; 200 simulated members are called with a realistic mix:
people who answer and confirm, voicemail, busy then answering on the retry, never
answering, and members reached on their second number. A live display follows the
broadcast; it ends with the per-outcome table and the time to reach everyone against the
ideal (members ÷ calls per second).

Everything runs as in production (gunicorn, 2 RQ workers, Redis, SQLite in a temp folder,
the sandbox carrier in its own process; bench/stack.py) and stops when the demo ends.
Calls are time-scaled ×0.1, so a 45 s call takes 4.5 s; pacing is real time.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bench.stack import RECORDING_LINE, Stack, StackOptions
from demo.members import DEMO_BIN, HEADER, MESSAGE_TEXT, member_rows, scenario

OFFICER, PIN = "4711", "246810"
CPS = 10
TIME_SCALE = 0.1
RETRY_DELAY_S = 10  # demo setting (default 300 s), so retries show within the demo


def police_recording(workdir: Path) -> tuple[bytes, str]:
    """The officer's words: Dutch speech from espeak-ng when installed, else a tone."""
    from audio import tone_wav

    espeak = shutil.which("espeak-ng")
    if espeak:
        out = workdir / "message.wav"
        done = subprocess.run([espeak, "-v", "nl", "-s", "150", "-w", str(out), MESSAGE_TEXT],
                              capture_output=True)
        if done.returncode == 0 and out.exists():
            return out.read_bytes(), "speech generated with espeak-ng"
    return tone_wav(12.0, lead_silence_s=1.0, tail_silence_s=1.5), \
        "a 12 s tone (install espeak-ng for generated speech)"


def run(members: int) -> None:
    console = Console()
    console.rule("[bold]Buurtlijn demo")
    with tempfile.TemporaryDirectory(prefix="buurtlijn-demo-") as tmp:
        workdir = Path(tmp)
        rows = member_rows(members)
        options = StackOptions(
            database="sqlite", cps=CPS, time_scale=TIME_SCALE, workers=2,
            scenario=scenario(rows),
            env={"RETRY_DELAY_S": str(RETRY_DELAY_S), "MAX_ATTEMPTS": "3",
                 "RECONCILE_INTERVAL_S": "5"})
        with console.status("Starting web, workers, Redis and the sandbox carrier..."):
            stack = Stack(options, workdir=workdir).__enter__()
        try:
            setup(stack, rows, workdir, console)
            sid = police_call(stack, workdir, console)
            message_id = wait_message(sid)
            follow(stack, message_id, console)
        finally:
            with console.status("Stopping everything..."):
                stack.stop()


def setup(stack: Stack, rows: list[list[str]], workdir: Path, console: Console) -> None:
    """The BIN, the officer and the members, through the real commands."""
    csv = workdir / "members.csv"
    csv.write_text("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n")
    code, name = DEMO_BIN
    for argv in (["bin", "add", code, name, "--municipality", "Grensdorp"],
                 ["officer", "add", OFFICER, "Inspecteur Demo", "--pin", PIN],
                 ["member", "import", str(csv)]):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "ivr", *argv],
                              env=stack.env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    console.print(f"BIN {code} '{name}' with {len(rows)} members imported; officer "
                  f"{OFFICER} (PIN {PIN}); carrier limit {CPS} calls/s.")


def police_call(stack: Stack, workdir: Path, console: Console) -> str:
    """Dial the recording line from the sandbox phone and show what the officer hears."""
    wav, what = police_recording(workdir)
    keys = f"{OFFICER}# {PIN}# 1 {DEMO_BIN[0]}# 1 1"
    console.rule("The police call the recording line")
    console.print(f"[dim]keys: {keys}   recording: {what}[/]")
    response = requests.post(f"{stack.sandbox_url}/sandbox/inbound", timeout=10, json={
        "to": RECORDING_LINE, "from": "+32470999000", "keys": keys,
        "record": [base64.b64encode(wav).decode()]})
    response.raise_for_status()
    sid = response.json()["sid"]
    shown = 0
    while True:
        call = requests.get(f"{stack.sandbox_url}/sandbox/calls/{sid}", timeout=10).json()
        for event in call["events"][shown:]:
            if event["type"] == "say":
                console.print(f"  [green]🔊 {event['text']}[/]")
            elif event["type"] == "gather" and event.get("digits"):
                console.print(f"  [yellow]☎  keys {event['digits']}[/]")
            elif event["type"] == "record":
                console.print(f"  [magenta]🎙  message recorded ({event['duration_s']:.0f} s)[/]")
            elif event["type"] == "play":
                console.print(f"  [cyan]▶  listening back ({event['duration_s']:.0f} s)[/]")
        shown = len(call["events"])
        if call["status"] == "completed":
            return sid
        time.sleep(0.1)


def wait_message(sid: str) -> int:
    from domain.db import db
    from domain.models import Message

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        db.session.expire_all()
        message = db.session.scalar(db.select(Message).where(Message.call_sid == sid))
        db.session.commit()
        if message is not None and message.status in ("sending", "completed"):
            return message.id
        time.sleep(0.1)
    raise SystemExit("the message was not sent: see the worker log")


def follow(stack: Stack, message_id: int, console: Console) -> None:
    """Live: settled members, outcomes so far, calls made, against the ideal."""
    from domain.db import db
    from domain.models import Message
    from ivr import broadcast_report

    console.rule("The members are called")
    progress = Progress(TextColumn("[bold]members settled"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[elapsed]}"))
    task = progress.add_task("", total=None, elapsed="")
    with Live(console=console, refresh_per_second=8) as live:
        while True:
            db.session.expire_all()
            message = db.session.get(Message, message_id)
            t = broadcast_report.totals(message_id)
            since = time.time() - message.confirmed_at.timestamp()
            ideal = t.deliveries / CPS
            progress.update(task, total=t.deliveries or None, completed=t.settled,
                            elapsed=f"{since:.0f} s since 'send' (ideal first round "
                                    f"{ideal:.0f} s)")
            live.update(Group(progress, _live_counts(t)))
            db.session.commit()
            if message.status in ("completed", "cancelled") and t.pending == 0:
                break
            time.sleep(0.25)
    console.print()
    db.session.expire_all()
    message = db.session.get(Message, message_id)
    t = broadcast_report.totals(message_id)
    console.print(broadcast_report.totals_table(message, t))
    console.print(reach_panel(message, t))


def _live_counts(t) -> Table:
    table = Table("person", "voicemail", "confirmed", "busy", "no answer", "failed",
                  "to retry", "calls", box=None, header_style="dim")
    table.add_row(f"[green]{t.human}[/]", f"[cyan]{t.machine}[/]", f"[bold]{t.confirmed}[/]",
                  str(t.busy), str(t.no_answer), str(t.failed), str(t.pending), str(t.calls))
    return table


def reach_panel(message, t) -> Panel:
    """The time to reach everyone once (first attempts) against members ÷ CPS."""
    from sqlalchemy import func, select

    from domain.db import db
    from domain.models import CallAttempt, Delivery

    last_first = db.session.scalar(select(func.max(CallAttempt.dialed_at)).join(Delivery).where(
        Delivery.message_id == message.id, CallAttempt.attempt_no == 1))
    sent = message.confirmed_at
    first_round = (last_first - sent).total_seconds()
    everyone = (message.completed_at - sent).total_seconds()
    ideal = t.deliveries / CPS
    return Panel(
        f"Every member called once: [bold]{first_round:.1f} s[/] after 'send'; the carrier's "
        f"limit makes that at least {t.deliveries} ÷ {CPS} calls/s = [bold]{ideal:.0f} s[/] "
        f"({ideal / first_round:.0%} of the ideal pace).\n"
        f"Everyone settled, retries included (after {RETRY_DELAY_S} s, up to 3 attempts, "
        f"second numbers on the retry): [bold]{everyone:.1f} s[/]. "
        f"Calls are time-scaled ×{TIME_SCALE}; pacing is real time.",
        title="Time to reach everyone", expand=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    run(parser.parse_args().members)


if __name__ == "__main__":
    main()
