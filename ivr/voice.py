"""Voice webhooks. Every route here is signed by the carrier, or answered 403."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from sqlalchemy import or_, select
from twilio.twiml.voice_response import VoiceResponse

from callflows import callback
from ivr import recording_line as recording_line_views
from ivr.extensions import db
from ivr.models import InboundCall, Member
from ivr.signature import twilio_signed
from ivr.speaking import speaker

bp = Blueprint("voice", __name__, url_prefix="/voice")


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def known_member(number: str | None) -> Member | None:
    if not number:
        return None
    query = select(Member).where(or_(Member.phone == number, Member.phone2 == number))
    return db.session.scalars(query.order_by(Member.id).limit(1)).first()


@bp.post("/incoming")
@twilio_signed
def incoming() -> Response:
    """Every number's Voice URL: route on `To` to the recording line or the callback notice."""
    to, caller = request.form.get("To"), request.form.get("From")
    if to == current_app.config["RECORDING_LINE"]:
        return recording_line(caller)
    return callback_line(caller, to)


def _log_call(line: str, caller: str | None, to: str | None, **fields) -> InboundCall:
    sid = request.form.get("CallSid", "")
    call = db.session.scalar(select(InboundCall).where(InboundCall.call_sid == sid))
    if call is None:
        call = InboundCall(call_sid=sid, from_number=caller, to_number=to, line=line, **fields)
        db.session.add(call)
    return call


def callback_line(caller: str | None, to: str | None) -> Response:
    """The notice that this number cannot be called back, in the caller's language."""
    member = known_member(caller)
    language = member.language if member else "nl"
    _log_call("callback", caller, to, member_id=member.id if member else None, language=language)
    db.session.commit()
    ctx = callback.CallbackContext(
        speaker=speaker(language),
        zone_name=current_app.config["POLICE_ZONE_NAME"],
        zone_phone=current_app.config["POLICE_ZONE_PHONE"],
    )
    return twiml(callback.answer(ctx))


def recording_line(caller: str | None) -> Response:
    """The police recording line: logged like every call, then the flow takes over."""
    _log_call("recording", caller, current_app.config["RECORDING_LINE"])
    return recording_line_views.answer()
