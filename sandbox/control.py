"""The sandbox's own HTTP endpoints under ``/sandbox/``: transcripts, knobs, inbound calls.

No auth here: the sandbox is a local tool and these endpoints exist for tests, demos
and the terminal phone (``python -m sandbox call``).

Terminal-phone protocol: ``POST /sandbox/inbound`` starts a call and returns its
transcript (with ``sid``); the client polls ``GET /sandbox/calls/{sid}`` and prints new
``events``; when ``waiting_for`` is set (interactive calls only) it posts
``/sandbox/calls/{sid}/input`` with ``{"keys": "1234#"}``, ``{"record": base64-wav}``,
``{"tone_s": 3}`` or ``{"hangup": true}``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request

from .carrier import Carrier
from .model import Call
from .phones import InteractiveCaller, Scenario, ScenarioError, ScriptedCaller


def summary(call: Call) -> dict[str, Any]:
    """A call's times and webhook response times without its transcript: what benchmarks
    need from 100,000 calls, at a fraction of the full transcripts' size."""
    return {"sid": call.sid, "direction": call.direction, "to": call.to,
            "status": call.status, "answered_by": call.answered_by,
            "created_ts": call.created, "start_ts": call.start, "end_ts": call.end,
            "webhooks": [[w["kind"], w["ts"], w.get("elapsed_ms"), w.get("status_code")]
                         for w in list(call.transcript.webhooks)]}


def _bad(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def register(app: Flask, carrier: Carrier, set_scenario: Callable[[Scenario], None]) -> None:
    @app.get("/sandbox/health")
    def health() -> Response:
        return jsonify({"ok": True, "account_sid": carrier.account_sid})

    @app.get("/sandbox/calls")
    def calls() -> Response:
        with carrier.lock:
            items = list(carrier.calls.values())
        to, direction = request.args.get("to"), request.args.get("direction")
        chosen = [c for c in items if (to is None or c.to == to)
                  and (direction is None or c.direction == direction)]
        if request.args.get("view") == "summary":
            return jsonify([summary(c) for c in chosen])
        return jsonify([c.transcript.to_dict() for c in chosen])

    @app.get("/sandbox/calls/<sid>")
    def call(sid: str) -> Response | tuple[Response, int]:
        c = carrier.calls.get(sid)
        return jsonify(c.transcript.to_dict()) if c else _bad("no such call", 404)

    @app.post("/sandbox/calls/<sid>/input")
    def call_input(sid: str) -> Response | tuple[Response, int]:
        c = carrier.calls.get(sid)
        if c is None:
            return _bad("no such call", 404)
        if not isinstance(c.phone, InteractiveCaller):
            return _bad("call is not interactive", 409)
        c.phone.put(request.get_json(force=True) or {})
        return jsonify({"ok": True})

    @app.get("/sandbox/recordings")
    def recordings() -> Response:
        """The recordings the sandbox holds and those deleted through the REST API."""
        with carrier.lock:
            held = [{"sid": r.sid, "call_sid": r.call_sid} for r in carrier.recordings.values()]
            deleted = list(carrier.deleted_recordings)
        return jsonify({"recordings": held, "deleted": deleted})

    @app.get("/sandbox/messages")
    def messages() -> Response:
        """The SMS sent, oldest first; ``?to=``/``?from=`` narrow it (a phone's inbox)."""
        to, from_ = request.args.get("to"), request.args.get("from")
        return jsonify([m.to_dict() for m in carrier.messenger.all()
                        if (to is None or m.to == to) and (from_ is None or m.from_ == from_)])

    @app.get("/sandbox/phones/<number>/messages")
    def inbox(number: str) -> Response:
        """What the phone ``number`` received: delivered messages only, oldest first."""
        return jsonify([{"sid": m.sid, "from": m.from_, "body": m.body,
                         "received_ts": m.updated}
                        for m in carrier.messenger.all()
                        if m.to == number and m.status == "delivered"])

    @app.post("/sandbox/reset")
    def reset() -> Response:
        carrier.reset()
        return jsonify({"ok": True})

    @app.route("/sandbox/scenario", methods=["PUT", "POST"])
    def scenario() -> Response | tuple[Response, int]:
        try:
            set_scenario(Scenario(request.get_json(force=True)))
        except (ScenarioError, TypeError) as exc:
            return _bad(str(exc))
        return jsonify({"ok": True})

    @app.get("/sandbox/scenario")
    def get_scenario() -> Response:
        return jsonify(carrier.scenario.raw)

    @app.route("/sandbox/faults", methods=["GET", "POST", "PUT"])
    def faults() -> Response | tuple[Response, int]:
        if request.method != "GET":
            try:
                carrier.faults.update(request.get_json(force=True) or {})
            except (KeyError, ValueError, TypeError) as exc:
                return _bad(f"bad fault knob: {exc}")
        return jsonify(carrier.faults.to_dict())

    @app.route("/sandbox/tariff", methods=["GET", "POST", "PUT"])
    def tariff() -> Response | tuple[Response, int]:
        """Call prices: ``{"landline": 0.03, "mobile": 0.15, "unit": "EUR", "delay_s": 0}``."""
        if request.method != "GET":
            try:
                carrier.tariff.update(request.get_json(force=True) or {})
            except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
                return _bad(f"bad tariff setting: {exc}")
        return jsonify(carrier.tariff.to_dict())

    @app.get("/sandbox/faults/fired")
    def faults_fired() -> Response:
        return jsonify(carrier.fired.to_dict())

    @app.route("/sandbox/numbers", methods=["GET", "POST"])
    def numbers() -> Response | tuple[Response, int]:
        if request.method == "POST":
            data: dict[str, Any] = request.get_json(force=True) or {}
            phone = data.get("phone_number") or data.get("number")
            if not phone:
                return _bad("phone_number is required")
            verified = bool(data.get("verified")) or not data.get("voice_url")
            carrier.add_number(phone, data.get("voice_url"), verified_only=verified,
                               voice_method=data.get("voice_method", "POST"),
                               status_callback=data.get("status_callback"))
        return jsonify([{"phone_number": n.phone_number, "sid": n.sid, "voice_url": n.voice_url,
                         "verified_only": n.verified_only} for n in carrier.numbers.values()])

    @app.post("/sandbox/inbound")
    def inbound() -> tuple[Response, int]:
        data: dict[str, Any] = request.get_json(force=True) or {}
        to, from_ = data.get("to"), data.get("from")
        if not to or not from_:
            return _bad("'to' and 'from' are required")
        if data.get("interactive"):
            party: Any = InteractiveCaller()
        else:
            try:
                records = [base64.b64decode(r) for r in data.get("record") or []]
            except (binascii.Error, TypeError):
                return _bad("'record' must be a list of base64 WAV files")
            party = ScriptedCaller(str(data.get("keys", "")), records,
                                   float(data.get("record_tone_s", 3.0)))
        try:
            c = carrier.inbound(to, from_, party)
        except KeyError:
            return _bad(f"{to} is not a number of this account with a voice URL", 404)
        return jsonify(c.transcript.to_dict()), 201
