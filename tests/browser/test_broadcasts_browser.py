"""A dispatcher watches a broadcast progress live in a real browser, then cancels it.

Everything is real: the sandbox carrier, a worker process, the app over HTTP and
Chromium. The carrier's pace (CARRIER_CPS = 1) makes the broadcast slow enough to watch:
the page's live part is polled by htmx, so the reached count rises with no reload."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import CallAttempt, Delivery, Message, utcnow
from tests.browser.support import screenshot, sign_in
from tests.e2e.broadcast_support import members_with_message, outbound_calls, settled
from tests.factories import make_delivery, make_message, make_officer, make_web_user

MEMBERS = 30


def reached(page) -> int:
    return int(page.locator(".reached-count").get_attribute("data-reached"))


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.2)
    return value


def earlier_broadcasts(members, officer) -> list[int]:
    """A finished alert of yesterday and a feedback message of the day before, newest first."""
    bin_ = members[0].memberships[0].bin
    ids = []
    for days, kind in ((1, "urgent"), (2, "feedback")):
        sent = utcnow() - timedelta(days=days)
        old = make_message(db, bins=[bin_], kind=kind, status="completed", confirmed_at=sent,
                           completed_at=sent + timedelta(minutes=2), officer_id=officer.id)
        for n, member in enumerate(members):
            make_delivery(db, old, member, "human" if n % 4 else "no-answer",
                          confirmed_at=sent if n % 2 else None,
                          attempts=[{"status": "completed" if n % 4 else "no-answer",
                                     "answered_at": sent + timedelta(seconds=5 + n)}])
        ids.append(old.id)
    return ids


def test_a_dispatcher_watches_a_broadcast_live_and_cancels_it(page, app, sandbox, workers):
    app.config["CARRIER_CPS"] = 1  # one call a second: half a minute for 30 members
    officer = make_officer(db, name="Inspecteur Wouters")
    members, message = members_with_message(MEMBERS, officer_id=officer.id)
    dispatcher = make_web_user(db, "dispatcher", name="Dispatch Grens")
    workers.start(1)
    message_confirmed(message.id)

    sign_in(page, dispatcher)  # password and TOTP code
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.goto(f"/broadcasts/{message.id}")
    navigations.clear()
    page.evaluate("document.body.dataset.loadedOnce = 'yes'")  # gone if the page reloads
    first = reached(page)
    later = wait_until(lambda: (n := reached(page)) >= first + 2 and n, 20,
                       "the reached count rising on the page")
    assert later > first
    assert navigations == [] and page.evaluate("document.body.dataset.loadedOnce") == "yes"
    assert page.locator("progress#progress-bar").get_attribute("value") == str(later)
    assert page.locator("svg.reach-chart polyline.actual").count() == 1
    screenshot(page, "broadcast")

    with page.expect_navigation():
        page.locator(f'a[href="/broadcasts/{message.id}/cancel"]').click()
    assert page.locator("form button.danger").is_visible()  # asked to confirm first
    with page.expect_navigation():
        page.locator("form button.danger").click()
    assert page.url.endswith(f"/broadcasts/{message.id}")
    assert page.locator(".flash.success").is_visible()
    assert page.locator("#live .badge.bad").is_visible()  # the status: cancelled
    assert page.locator(f'a[href="/broadcasts/{message.id}/cancel"]').count() == 0

    message = settled(message.id, workers=workers)
    assert message.status == "cancelled" and message.cancelled_by == dispatcher.email
    sandbox.wait_idle(10)
    never_called = db.session.scalars(select(Delivery).where(
        Delivery.message_id == message.id, Delivery.status == "cancelled",
        ~select(CallAttempt.id).where(CallAttempt.delivery_id == Delivery.id).exists())).all()
    assert len(never_called) >= MEMBERS // 3, "most members were still to call"
    called = {c["to"] for c in outbound_calls(sandbox)}
    assert called.isdisjoint(d.phone for d in never_called)
    assert len(called) < MEMBERS
    time.sleep(2)  # a dialler would have gone on at one call a second
    assert {c["to"] for c in outbound_calls(sandbox)} == called

    earlier = earlier_broadcasts(members[:5], officer)  # a history worth a picture
    page.goto("/broadcasts")
    assert page.locator(f'a[href="/broadcasts/{message.id}"]').is_visible()
    hrefs = page.locator("table.broadcasts tbody th a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [f"/broadcasts/{m}" for m in (message.id, *earlier)]  # newest first
    screenshot(page, "broadcasts")
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "cancelled"
