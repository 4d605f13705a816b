"""Webhooks of a member call. Each answers from SQL; Redis work is best-effort.

Every URL carries the call attempt's id, so a callback that arrives before the create
response (and so before we know the SID) still finds its attempt.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import and_, select, update
from sqlalchemy.orm import joinedload
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.voice_response import VoiceResponse

from callflows import member_call
from ivr import carrier
from ivr.extensions import db
from ivr.media import message_audio_url
from ivr.models import Bin, CallAttempt, Delivery, Membership, MessageBin, utcnow
from ivr.signature import twilio_signed
from ivr.speaking import speaker
from ivr.voice import twiml
from jobs import outcomes

bp = Blueprint("member", __name__, url_prefix="/voice/member")
VOICEMAIL_ANSWERS = ("machine_end_beep", "machine_end_silence", "machine_end_other")


def _attempt() -> CallAttempt:
    """The URL's attempt with its delivery and message, in one query: these webhooks run
    several times per call at the peak of a broadcast."""
    attempt_id = request.args.get("attempt", type=int)
    attempt = db.session.scalar(
        select(CallAttempt).where(CallAttempt.id == attempt_id)
        .options(joinedload(CallAttempt.delivery).joinedload(Delivery.message))
    ) if attempt_id else None
    if attempt is None:
        abort(404)
    return attempt


def _context(attempt: CallAttempt) -> member_call.MemberCallContext:
    delivery = attempt.delivery
    message = delivery.message
    config = current_app.config
    base = f"{config['PUBLIC_BASE_URL']}/voice/member/menu?attempt={attempt.id}"
    return member_call.MemberCallContext(
        speaker=speaker(delivery.language), kind=message.kind,
        bin_name=_bin_name(delivery), zone_name=config["POLICE_ZONE_NAME"],
        zone_phone=config["POLICE_ZONE_PHONE"], message_url=message_audio_url(message),
        menu_url=lambda round_no: f"{base}&round={round_no}",
    )


def _bin_name(delivery: Delivery) -> str:
    """The targeted BIN this member belongs to (the first, if several; for a test call,
    the first targeted BIN)."""
    membership = and_(Membership.bin_id == Bin.id, Membership.member_id == delivery.member_id)
    return db.session.scalar(
        select(Bin.name).join(MessageBin, MessageBin.bin_id == Bin.id)
        .outerjoin(Membership, membership)
        .where(MessageBin.message_id == delivery.message_id)
        .order_by(Membership.id.is_(None), Bin.code).limit(1)
    ) or ""


def _hang_up() -> Response:
    response = VoiceResponse()
    response.hangup()
    return twiml(response)


@bp.post("/answer")
@twilio_signed
def answer() -> Response:
    """Someone picked up: intro, the police recording, the 1/2 menu."""
    attempt = _attempt()
    if attempt.delivery.message.status == "cancelled":
        return _hang_up()
    return twiml(member_call.answer(_context(attempt)))


@bp.post("/menu")
@twilio_signed
def menu() -> Response:
    """The member's key at the menu: confirm, replay, or nothing."""
    attempt = _attempt()
    round_no = request.args.get("round", default=1, type=int)
    outcome, response = member_call.on_keys(_context(attempt), round_no,
                                            request.form.get("Digits", ""))
    delivery_id = attempt.delivery_id
    if outcome is member_call.KeyOutcome.CONFIRMED:
        db.session.execute(update(Delivery).where(
            Delivery.id == delivery_id, Delivery.confirmed_at.is_(None))
            .values(confirmed_at=utcnow()))
    elif outcome is member_call.KeyOutcome.REPLAY:
        db.session.execute(update(Delivery).where(Delivery.id == delivery_id)
                           .values(replays=Delivery.replays + 1))
    db.session.commit()
    return twiml(response)


@bp.post("/amd")
@twilio_signed
def amd() -> Response:
    """Detection finished: on an answering machine's beep, switch to the voicemail version."""
    answered_by = request.form.get("AnsweredBy", "unknown")
    attempt = outcomes.record_answered_by(_attempt().id, answered_by)
    if answered_by in VOICEMAIL_ANSWERS and attempt.call_sid:
        url = f"{current_app.config['PUBLIC_BASE_URL']}/voice/member/voicemail?attempt={attempt.id}"
        try:
            carrier.client().calls(attempt.call_sid).update(url=url, method="POST")
        except TwilioRestException as exc:  # the call ended meanwhile: nothing to redirect
            current_app.logger.info("voicemail redirect of %s refused: %s", attempt.call_sid,
                                    exc.msg)
    return Response(status=204)


@bp.post("/voicemail")
@twilio_signed
def voicemail() -> Response:
    """After the beep: the whole message and how to react."""
    return twiml(member_call.voicemail(_context(_attempt())))


@bp.post("/status")
@twilio_signed
def status() -> Response:
    """Status callback: move the attempt forward; settle the delivery on a final status."""
    attempt_id = request.args.get("attempt", type=int)
    form = request.form
    duration = form.get("CallDuration") or form.get("Duration")
    finished = outcomes.record_call_status(
        attempt_id or 0, form.get("CallSid"), form.get("CallStatus", ""),
        answered_by=form.get("AnsweredBy"), duration_s=int(duration) if duration else None,
    )
    if finished:
        outcomes.release_slot(attempt_id)
    return Response(status=204)
