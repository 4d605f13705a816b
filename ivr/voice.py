"""Voice webhooks. Every route here is signed by the carrier, or answered 403."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, request
from sqlalchemy import or_, select

from callflows import callback
from domain.audio_urls import audio_url_of
from domain.db import db
from domain.models import Bin, InboundCall, Member, Membership, Message, MessageBin, audit, utcnow
from domain.status import AudioStatus, MessageStatus
from ivr import recording_line as recording_line_views
from ivr.signature import twilio_signed
from ivr.speaking import speaker
from ivr.webhooks import twiml, url

bp = Blueprint("voice", __name__, url_prefix="/voice")
REPLAY_WINDOW = timedelta(hours=48)  # a member may hear the latest message again this long


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
    latest = latest_message_for(member) if member else None
    replay_url = url("voice.callback_replay", message=latest.id) if latest else None
    return twiml(callback.answer(_callback_context(language, replay_url)))


def _callback_context(language: str, replay_url: str | None = None) -> callback.CallbackContext:
    return callback.CallbackContext(
        speaker=speaker(language), zone_name=current_app.config["POLICE_ZONE_NAME"],
        zone_phone=current_app.config["POLICE_ZONE_PHONE"], replay_url=replay_url,
    )


def latest_message_for(member: Member) -> Message | None:
    """The newest urgent or feedback message of the last 48 hours to one of the member's
    BINs that allow the callback replay, not cancelled, whose audio can still be played."""
    since = utcnow() - REPLAY_WINDOW
    targeted = select(MessageBin.message_id).where(MessageBin.bin_id.in_(_replay_bins(member)))
    return db.session.scalar(
        select(Message).where(
            Message.id.in_(targeted), Message.kind.in_(("urgent", "feedback")),
            Message.status.in_((MessageStatus.SENDING, MessageStatus.COMPLETED)),
            Message.cancelled_at.is_(None),
            Message.audio_status == AudioStatus.READY, Message.confirmed_at >= since,
            Message.audio_erased_at.is_(None),
        ).order_by(Message.confirmed_at.desc()).limit(1))


def _replay_bins(member: Member):
    """The member's BINs whose coordinator allows the replay (`bin edit --callback-replay`)."""
    return (select(Membership.bin_id).join(Bin, Bin.id == Membership.bin_id)
            .where(Membership.member_id == member.id, Bin.callback_replay.is_(True)))


def _replayed_through(member: Member, message: Message) -> list[str]:
    """The BIN codes through which this member may hear this message: for the audit."""
    return sorted(db.session.scalars(
        select(Bin.code).join(MessageBin, MessageBin.bin_id == Bin.id)
        .where(MessageBin.message_id == message.id, Bin.id.in_(_replay_bins(member)))))


@bp.post("/callback/replay")
@twilio_signed
def callback_replay() -> Response:
    """The caller pressed a key after the offer: 1 plays the latest message again."""
    member = known_member(request.form.get("From"))
    message = latest_message_for(member) if member else None
    wanted = request.args.get("message", type=int)
    play = message if message is not None and message.id == wanted else None
    digits = request.form.get("Digits", "")
    if play is not None and digits == "1":
        call = _log_call("callback", request.form.get("From"), request.form.get("To"))
        call.replayed_message_id = play.id
        # Audited by member id, never by the number: it is all the caller proved.
        audit(f"member:{member.id}", "callback.replay", f"message:{play.id}",
              bins=_replayed_through(member, play), call_sid=request.form.get("CallSid"))
        db.session.commit()
    ctx = _callback_context(member.language if member else "nl")
    return twiml(callback.replay(ctx, digits, audio_url_of(play) if play else None))


def recording_line(caller: str | None) -> Response:
    """The police recording line: logged like every call, then the flow takes over."""
    _log_call("recording", caller, current_app.config["RECORDING_LINE"])
    return recording_line_views.answer()
