"""Cancelling a broadcast from the web: police only, confirmed, CSRF-checked, audited."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, Delivery, Message
from tests.factories import make_bin, make_delivery, make_member, make_message, make_web_user
from tests.web_support import csrf_token, person, post_form, sign_in


def sending_broadcast(members: int = 3):
    bin_ = make_bin(db, code="11")
    message = make_message(db, bins=[bin_], status="sending")
    for _ in range(members):
        make_delivery(db, message, make_member(db, bins=[bin_]))
    return bin_, message


def signed_in_as(app, role: str, bins=None):
    client = person(app)
    user = make_web_user(db, role, bins=bins, language="en")
    sign_in(client, user)
    return client, user


def stored(message_id: int) -> tuple[str, list[str], list[AuditLog]]:
    db.session.expire_all()
    status = db.session.get(Message, message_id).status
    deliveries = db.session.scalars(select(Delivery.status).where(
        Delivery.message_id == message_id)).all()
    return status, sorted(deliveries), db.session.scalars(
        select(AuditLog).where(AuditLog.action == "broadcast.cancel")).all()


def test_the_confirmation_page_says_what_will_stop(app):
    _, message = sending_broadcast(3)
    client, _ = signed_in_as(app, "dispatcher")
    html = unescape(client.get(f"/broadcasts/{message.id}/cancel").get_data(as_text=True))
    assert "Cancel broadcast" in html
    assert "3 of 3 members have not been reached yet" in html
    assert re.search(r'<form method="post">', html) and "Yes, cancel the broadcast" in html
    assert stored(message.id)[0] == "sending"  # asking changes nothing


def test_a_dispatcher_cancels_and_it_is_stored_and_audited(app):
    _, message = sending_broadcast(3)
    client, user = signed_in_as(app, "dispatcher")
    response = post_form(client, f"/broadcasts/{message.id}/cancel",
                         token_from=f"/broadcasts/{message.id}/cancel", follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Broadcast cancelled: 3 members will not be called" in html
    assert f"by {user.email}" in html and "cancelled" in html
    status, deliveries, audits = stored(message.id)
    assert status == "cancelled" and deliveries == ["cancelled"] * 3
    assert [(a.actor, a.subject, a.details) for a in audits] == [
        (user.email, f"message:{message.id}", {"stopped": 3})]
    assert db.session.get(Message, message.id).cancelled_by == user.email


def test_without_a_csrf_token_nothing_is_cancelled(app):
    _, message = sending_broadcast(2)
    client, _ = signed_in_as(app, "dispatcher")
    response = client.post(f"/broadcasts/{message.id}/cancel", data={})
    assert response.status_code == 400
    bad = client.post(f"/broadcasts/{message.id}/cancel", data={"csrf_token": "forged"})
    assert bad.status_code == 400
    assert stored(message.id) == ("sending", ["pending", "pending"], [])


def test_a_coordinator_cannot_cancel_even_their_own_bins_broadcast(app):
    bin_, message = sending_broadcast(2)
    client, _ = signed_in_as(app, "coordinator", [bin_])
    assert client.get(f"/broadcasts/{message.id}/cancel").status_code == 403
    token = csrf_token(client, "/logout")
    response = client.post(f"/broadcasts/{message.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 403
    assert stored(message.id) == ("sending", ["pending", "pending"], [])


def test_a_finished_broadcast_cannot_be_cancelled(app):
    bin_ = make_bin(db)
    message = make_message(db, bins=[bin_], status="completed")
    make_delivery(db, message, make_member(db, bins=[bin_]), "human")
    client, _ = signed_in_as(app, "admin")
    page = unescape(client.get(f"/broadcasts/{message.id}/cancel").get_data(as_text=True))
    assert "already finished" in page and "<form method=\"post\">" not in page
    response = post_form(client, f"/broadcasts/{message.id}/cancel", follow_redirects=True)
    assert "already finished: there is nothing left to cancel" in unescape(
        response.get_data(as_text=True))
    assert stored(message.id) == ("completed", ["done"], [])
    show = client.get(f"/broadcasts/{message.id}").get_data(as_text=True)
    assert "Cancel this broadcast" not in show
