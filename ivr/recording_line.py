"""Recording line webhooks: load the call's state, hand the carrier's event to the flow.

Everything the officer hears is decided in `callflows.recording`; these views only turn
requests into events, keep the state per CallSid in `CallSession`, and answer TwiML.
Every route is signed by the carrier or answered 403 before it touches anything.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from callflows import recording
from callflows import recording_types as types
from domain.db import db
from domain.models import CallSession, Message
from domain.recording_backend import SqlBackend, attach
from domain.recordings import enqueue_processing
from ivr.signature import twilio_signed
from ivr.speaking import speaker
from ivr.webhooks import no_content, twiml, url

bp = Blueprint("recording_line", __name__, url_prefix="/voice/recording")

FLOW = "recording"


def _context(call_sid: str) -> types.RecordingContext:
    return types.RecordingContext(
        speaker=speaker("nl"),
        backend=SqlBackend(call_sid, request.form.get("From")),
        step_url=url("recording_line.keys"),
        recorded_url=url("recording_line.recorded"),
        recording_status_url=url("recording_line.recording_status"),
    )


def _take_step(session: CallSession, event: types.Event) -> Response:
    state, response = recording.step(session.state or {}, event, _context(session.call_sid))
    session.state = state.to_dict()
    db.session.commit()
    return twiml(response)


def _session() -> CallSession | None:
    sid = request.form.get("CallSid", "")
    session = db.session.get(CallSession, sid)
    return session if session is not None and session.flow == FLOW else None


def _no_session() -> Response:
    """A step for a call we do not know (expired, or never started here): end it politely."""
    response = VoiceResponse()
    speaker("nl").say(response, "goodbye")
    response.hangup()
    return twiml(response)


def answer() -> Response:
    """The call came in on RECORDING_LINE (routed by `/voice/incoming`): start afresh."""
    sid = request.form.get("CallSid", "")
    session = db.session.get(CallSession, sid)
    if session is None:
        session = CallSession(call_sid=sid, flow=FLOW, state={})
        db.session.add(session)
    session.flow, session.state = FLOW, {}
    return _take_step(session, types.Start())


@bp.post("/keys")
@twilio_signed
def keys() -> Response:
    """Every Gather's action: the keys pressed ("" after silence)."""
    session = _session()
    if session is None:
        return _no_session()
    return _take_step(session, types.Keys(request.form.get("Digits", "").strip()))


@bp.post("/recorded")
@twilio_signed
def recorded() -> Response:
    """The Record's action, and the Redirect after it when nothing was recorded."""
    session = _session()
    if session is None:
        return _no_session()
    form = request.form
    if not form.get("RecordingUrl") or not form.get("RecordingSid"):
        return _take_step(session, types.NotRecorded())
    duration = form.get("RecordingDuration", "0")
    event = types.Recorded(sid=form["RecordingSid"], url=form["RecordingUrl"],
                               duration_s=int(duration) if duration.isdigit() else 0)
    return _take_step(session, event)


@bp.post("/recording-status")
@twilio_signed
def recording_status() -> Response:
    """The carrier's recordingStatusCallback: start processing, even before the action.

    It only adopts a recording as the message's take when the message has none yet; a
    re-take is adopted by the Record action, so a late callback for an earlier take can
    never replace a newer one.
    """
    form = request.form
    sid, url = form.get("RecordingSid", ""), form.get("RecordingUrl", "")
    if form.get("RecordingStatus") != "completed" or not sid or not url:
        return no_content()
    message = db.session.scalar(select(Message).where(
        Message.call_sid == form.get("CallSid", ""), Message.status == "recording"))
    if message is not None and message.recording_sid in (None, sid):
        if message.recording_sid is None:
            attach(message, sid, url)
            db.session.commit()
        enqueue_processing(message.id, sid)
    return no_content()
