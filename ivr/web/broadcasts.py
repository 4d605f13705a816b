"""Broadcasts: the history, one broadcast live with its outcomes, listen back, cancel.

The police see every BIN's broadcasts; a coordinator only those to their own BINs, and of
a broadcast to several BINs only their own members (domain.broadcast.history). Anything
outside the scope is a 404, so a guessed ID says nothing."""

from __future__ import annotations

import functools
import math
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from domain.audio_urls import URL_BUCKET_S, audio_signature
from domain.broadcast import history
from domain.broadcast.cancel import cancel_broadcast
from domain.models import Message, utcnow
from domain.status import AudioStatus, MessageStatus
from ivr.web.broadcast_chart import ideal_label, reach_chart
from ivr.web.costs import broadcast_costs
from ivr.web.permissions import EVERY_ROLE, POLICE, roles_required, visible_bin_ids

bp = Blueprint("broadcasts", __name__, url_prefix="/broadcasts")
LISTEN_TTL_S = 3600  # a listen-back link is for now, not for sharing


class CancelForm(FlaskForm):
    """Only the CSRF token: the confirmation page is the question."""


@bp.before_request
def _poll_after_sign_out():
    """A live poll whose session has ended sends the whole page to the sign-in (htmx's
    HX-Redirect), rather than the sign-in form into the page's live part."""
    if request.headers.get("HX-Request") and not current_user.is_authenticated:
        live = request.endpoint == "broadcasts.live"
        page = url_for(".show", **request.view_args) if live else None
        return "", 204, {"HX-Redirect": url_for("auth.login", next=page)}
    return None


def _message_or_404(message_id: int) -> Message:
    message = history.visible_message(message_id, visible_bin_ids())
    if message is None:
        abort(404)
    return message


@bp.get("")
@roles_required(*EVERY_ROLE)
def index():
    """The history of broadcasts, newest first."""
    page = history.history(visible_bin_ids(), request.args.get("page", 1, type=int))
    return render_template("broadcasts/index.html", page=page)


@bp.get("/<int:message_id>")
@roles_required(*EVERY_ROLE)
def show(message_id: int):
    """One broadcast: live totals and curve, listen back, every member's attempts."""
    message = _message_or_404(message_id)
    scope = visible_bin_ids()
    show_filter = request.args.get("show", "all")
    if show_filter not in history.FILTERS:
        show_filter = "all"
    rows = history.member_rows(message.id, scope, show_filter,
                               request.args.get("page", 1, type=int))
    return render_template("broadcasts/show.html", message=message, rows=rows,
                           show=show_filter, filters=history.FILTERS,
                           audio_url=listen_url(message), **live_context(message, scope),
                           **broadcast_costs(message, scope))


@bp.get("/<int:message_id>/live")
@roles_required(*EVERY_ROLE)
def live(message_id: int):
    """The live part of the broadcast page, polled by htmx while the broadcast runs."""
    message = _message_or_404(message_id)
    return render_template("broadcasts/_live.html", message=message,
                           **live_context(message, visible_bin_ids()))


@bp.route("/<int:message_id>/cancel", methods=["GET", "POST"])
@roles_required(*POLICE)
def cancel(message_id: int):
    """Ask to confirm, then stop the broadcast: pending members are not called."""
    message = _message_or_404(message_id)
    form = CancelForm()
    if form.validate_on_submit():
        if history.finished(message):
            flash(_("This broadcast has already finished: there is nothing left to cancel."),
                  "error")
        else:
            stopped, ended = cancel_broadcast(message.id, current_user.email)
            flash(_("Broadcast cancelled: %(stopped)s members will not be called, "
                    "%(ended)s calls under way were ended.", stopped=stopped, ended=ended),
                  "success")
        return redirect(url_for(".show", message_id=message.id))
    totals = history.scoped_totals(message.id, None)
    return render_template("broadcasts/cancel.html", message=message, form=form,
                           totals=totals, finished=history.finished(message))


def live_context(message: Message, scope: set[int] | None) -> dict:
    """Totals, progress and the curve: what the page shows and the poll refreshes."""
    totals = history.scoped_totals(message.id, scope)
    times = history.reach_times(message, scope)
    cps = float(current_app.config["CARRIER_CPS"] or 0)
    running = history.running(message)
    now_s = None
    if running and message.confirmed_at is not None:
        now_s = (utcnow() - message.confirmed_at).total_seconds()
    return {"totals": totals, "running": running, "reached": totals.human + totals.machine,
            "bins": history.bin_codes(message, scope), "cps": cps,
            "ideal": ideal_label(cps) if cps else None,
            "chart": reach_chart(times, totals.deliveries, cps, now_s),
            "can_cancel": current_user.role_enum.is_police and not history.finished(message)}


def listen_url(message: Message) -> str | None:
    """A signed, expiring URL of the message's audio on this site (CSP: 'self' only), or
    None when there is none to hear (a cancelled message's audio is withdrawn)."""
    if (message.audio_status != AudioStatus.READY or not message.audio_sha256
            or message.status == MessageStatus.CANCELLED):
        return None
    bucket = min(URL_BUCKET_S, LISTEN_TTL_S)
    exp = math.ceil((time.time() + LISTEN_TTL_S) / bucket) * bucket
    return url_for("media.message_audio", message_id=message.id,
                   digest=message.audio_sha256[:16], exp=exp,
                   sig=audio_signature(message.id, message.audio_sha256, exp))


@bp.app_template_filter("masked_number")
@functools.lru_cache(maxsize=4096)  # parsing a number costs 0.2 ms; a page shows 50+
def masked_number(e164: str | None) -> str:
    """A number as people write it, its middle hidden: `0470 •• •• 56`. Enough to tell
    the member's two numbers apart, not enough to call them."""
    if not e164:
        return ""
    try:
        national = phonenumbers.format_number(phonenumbers.parse(e164),
                                              phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return "•" * max(0, len(e164) - 2) + e164[-2:]
    groups = national.split(" ")
    if len(groups) < 2:
        return "•" * (len(national) - 2) + national[-2:]
    return " ".join([groups[0], *("•" * len(g) for g in groups[1:-1]), groups[-1]])


@bp.app_template_filter("broadcast_time")
def broadcast_time(when: datetime | None, seconds: bool = True) -> str:
    """A stored UTC time in the police zone's time zone, the same in every language."""
    if when is None:
        return ""
    local = when.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
