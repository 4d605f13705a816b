"""Webhooks of a member call. Each answers from SQL; Redis work is best-effort.

Every URL carries the call attempt's id, so a callback that arrives before the create
response (and so before we know the SID) still finds its attempt.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from flask import Blueprint, Response, abort, current_app, g, request
from sqlalchemy import Select, Update, and_, bindparam, select, update
from twilio.base.exceptions import TwilioRestException

from callflows import member_call
from domain import carrier
from domain.audio_urls import message_audio_url
from domain.broadcast import outcomes
from domain.models import (
    Bin,
    CallAttempt,
    Delivery,
    Membership,
    Message,
    MessageBin,
    run_alone,
    utcnow,
)
from domain.status import MessageStatus
from ivr.signature import twilio_signed
from ivr.speaking import speaker
from ivr.webhooks import no_content, twiml, url

bp = Blueprint("member", __name__, url_prefix="/voice/member")


class CallRow(NamedTuple):
    """What the TwiML of a member call needs, read in one query."""

    attempt_id: int
    delivery_id: int
    language: str
    kind: str
    message_status: str
    message_id: int
    audio_status: str
    audio_sha256: str | None
    bin_name: str | None


@functools.cache
def _call_query() -> Select:
    """Built once per process: at the peak of a broadcast these webhooks run several times
    per call, and building the statement costs more CPU than running it. The BIN named is
    the targeted BIN the member belongs to (the first, if several; for a test call, the
    first targeted BIN)."""
    membership = and_(Membership.bin_id == Bin.id, Membership.member_id == Delivery.member_id)
    bin_name = (
        select(Bin.name).join(MessageBin, MessageBin.bin_id == Bin.id)
        .outerjoin(Membership, membership)
        .where(MessageBin.message_id == Delivery.message_id)
        .order_by(Membership.id.is_(None), Bin.code).limit(1)
        .correlate(Delivery).scalar_subquery()
    )
    return (
        select(CallAttempt.id, CallAttempt.delivery_id, Delivery.language, Message.kind,
               Message.status, Message.id, Message.audio_status, Message.audio_sha256,
               bin_name)
        .join(Delivery, CallAttempt.delivery_id == Delivery.id)
        .join(Message, Delivery.message_id == Message.id)
        .where(CallAttempt.id == bindparam("p_id"))
    )


def _call() -> CallRow:
    """The URL's attempt, or 404."""
    attempt_id = request.args.get("attempt", type=int)
    row = run_alone(_call_query(), {"p_id": attempt_id}) if attempt_id else None
    if row is None:
        abort(404)
    call = CallRow(*row)
    g.log_fields = {"delivery_id": call.delivery_id, "message_id": call.message_id}  # ivr.logs
    return call


def _context(call: CallRow) -> member_call.MemberCallContext:
    config = current_app.config
    audio_url = message_audio_url(call.message_id, call.audio_status, call.audio_sha256)
    return member_call.MemberCallContext(
        speaker=speaker(call.language), kind=call.kind, bin_name=call.bin_name or "",
        zone_name=config["POLICE_ZONE_NAME"], zone_phone=config["POLICE_ZONE_PHONE"],
        message_url=audio_url,
        menu_url=lambda round_no: url("member.menu", attempt=call.attempt_id, round=round_no),
        cancelled=call.message_status == MessageStatus.CANCELLED,
    )


@bp.post("/answer")
@twilio_signed
def answer() -> Response:
    """Someone picked up: intro, the police recording, the 1/2 menu."""
    return twiml(member_call.answer(_context(_call())))


@bp.post("/menu")
@twilio_signed
def menu() -> Response:
    """The member's key at the menu: confirm, replay, or nothing."""
    call = _call()
    round_no = request.args.get("round", default=1, type=int)
    outcome, response = member_call.on_keys(_context(call), round_no,
                                            request.form.get("Digits", ""))
    if outcome is member_call.KeyOutcome.CONFIRMED:
        run_alone(_confirm(), {"p_id": call.delivery_id, "p_now": utcnow()})
    elif outcome is member_call.KeyOutcome.REPLAY:
        run_alone(_replay(), {"p_id": call.delivery_id})
    return twiml(response)


@functools.cache
def _confirm() -> Update:
    return (update(Delivery)
            .where(Delivery.id == bindparam("p_id"), Delivery.confirmed_at.is_(None))
            .values(confirmed_at=bindparam("p_now")))


@functools.cache
def _replay() -> Update:
    return (update(Delivery).where(Delivery.id == bindparam("p_id"))
            .values(replays=Delivery.replays + 1))


@bp.post("/amd")
@twilio_signed
def amd() -> Response:
    """Detection finished: on an answering machine's beep, switch to the voicemail version."""
    attempt_id = request.args.get("attempt", type=int) or abort(404)
    answered_by = request.form.get("AnsweredBy", "unknown")
    detection_ms = request.form.get("MachineDetectionDuration", 0, type=int)
    call_sid = outcomes.record_answered_by(attempt_id, answered_by, detection_ms)
    if member_call.is_voicemail(answered_by) and call_sid:
        voicemail_url = url("member.voicemail", attempt=attempt_id)
        try:
            carrier.client().calls(call_sid).update(url=voicemail_url, method="POST")
        except TwilioRestException as exc:  # the call ended meanwhile: nothing to redirect
            current_app.logger.info("voicemail redirect of %s refused: %s", call_sid, exc.msg)
    return no_content()


@bp.post("/voicemail")
@twilio_signed
def voicemail() -> Response:
    """After the beep: the whole message and how to react."""
    return twiml(member_call.voicemail(_context(_call())))


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
    return no_content()
