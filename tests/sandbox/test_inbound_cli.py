"""Inbound calls into the app: scripted over HTTP, and the terminal phone as a subprocess."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask import request

from sandbox.audio import tone

LINE = "+3250000100"
OFFICER_PHONE = "+32475123456"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(webapp):
    """A recording line in miniature: officer#, PIN#, BIN code#, record, listen, confirm."""
    twiml = webapp.twiml

    @webapp.route("/voice/incoming")
    def incoming():
        assert request.form["Direction"] == "inbound" and request.form["CallStatus"] == "ringing"
        return twiml('<Gather action="/officer" timeout="3"><Say>Officer number</Say></Gather>'
                     '<Say>Goodbye</Say>')

    @webapp.route("/officer")
    def officer():
        return twiml('<Gather action="/pin"><Say>PIN</Say></Gather>')

    @webapp.route("/pin")
    def pin():
        if request.form["Digits"] != "246810":
            return twiml("<Say>Wrong PIN</Say><Hangup/>")
        return twiml('<Gather action="/bin" numDigits="4"><Say>BIN code</Say></Gather>')

    @webapp.route("/bin")
    def bin_code():
        return twiml(f'<Say>BIN {request.form["Digits"]}</Say>'
                     '<Record action="/recorded" maxLength="4" finishOnKey="#"/>')

    @webapp.route("/recorded")
    def recorded():
        url = request.form["RecordingUrl"]
        return twiml(f'<Play>{url}</Play><Gather action="/confirm" numDigits="1">'
                     '<Say>Press 1 to send</Say></Gather>')

    @webapp.route("/confirm")
    def confirm():
        return twiml(f'<Say>Sent, digit {request.form["Digits"]}</Say><Hangup/>')

    return webapp.start()


def test_scripted_inbound_call(make_sandbox, app) -> None:
    sb = make_sandbox(numbers={LINE: app.url("/voice/incoming")})
    spoken = base64.b64encode(tone(6.0)).decode()
    r = requests.post(sb.base_url + "/sandbox/inbound", timeout=5, json={
        "to": LINE, "from": OFFICER_PHONE, "keys": "4711# 246810# 11 1", "record": [spoken]})
    assert r.status_code == 201
    sid = r.json()["sid"]
    assert sb.wait_idle(15)
    t = sb.call(sid)
    assert t["direction"] == "inbound" and t["status"] == "completed"
    gathers = [(e["digits"], e["finished_on_key"]) for e in t["events"] if e["type"] == "gather"]
    assert gathers == [("4711", "#"), ("246810", "#"), ("11", None), ("1", None)]
    rec = next(e for e in t["events"] if e["type"] == "record")
    assert rec["duration_s"] == 4.0  # 6 s spoken, maxLength 4
    play = next(e for e in t["events"] if e["type"] == "play")
    assert play["url"].endswith(rec["recording_sid"]) and play["duration_s"] == 4.0
    assert t["events"][-2]["text"] == "Sent, digit 1"
    assert app.hits("/recorded")[0]["form"].get("Digits") is None  # cut by maxLength


def test_inbound_hangup_token_and_unknown_number(make_sandbox, app) -> None:
    sb = make_sandbox(numbers={LINE: app.url("/voice/incoming")})
    r = requests.post(sb.base_url + "/sandbox/inbound", timeout=5,
                      json={"to": LINE, "from": OFFICER_PHONE, "keys": "4711# H"})
    assert sb.wait_idle(10)
    t = sb.call(r.json()["sid"])
    assert t["status"] == "completed" and t["events"][-1]["by"] == "caller"
    r = requests.post(sb.base_url + "/sandbox/inbound", timeout=5,
                      json={"to": "+3250009999", "from": OFFICER_PHONE})
    assert r.status_code == 404


def test_cli_phone_unattended(make_sandbox, app, tmp_path: Path) -> None:
    sb = make_sandbox(numbers={LINE: app.url("/voice/incoming")})
    wav = tmp_path / "message.wav"
    wav.write_bytes(tone(2.0))
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox", "call", LINE, "--from", OFFICER_PHONE,
         "--sandbox", sb.base_url, "--keys", "4711# 246810# 0042 1", "--record", str(wav)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "SAY (en-US, man): Officer number" in proc.stdout
    assert "GATHER digits='0042'" in proc.stdout
    assert "Sent, digit 1" in proc.stdout
    assert '"status": "completed"' in proc.stdout


def test_cli_phone_interactive(make_sandbox, app) -> None:
    sb = make_sandbox(numbers={LINE: app.url("/voice/incoming")})
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "call", LINE, "--from", OFFICER_PHONE,
         "--sandbox", sb.base_url], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate("4711#\n0000#\n", timeout=60)
    assert proc.returncode == 0, err
    assert out.count("keys (finish '#'") == 2  # asked at both Gathers
    assert "GATHER digits='0000'" in out and "Wrong PIN" in out


def test_server_cli_starts(tmp_path: Path) -> None:
    """``python -m sandbox`` serves the API with the demo credentials."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--time-scale", "0.01",
         "--verified", "+32477777755", "--number", f"{LINE}=http://127.0.0.1:1/x"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 15
        while True:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/sandbox/numbers", timeout=1)
                break
            except requests.ConnectionError:
                assert time.time() < deadline
                time.sleep(0.1)
        assert {n["phone_number"] for n in r.json()} == {LINE, "+32477777755"}
    finally:
        proc.terminate()
        proc.wait(10)
