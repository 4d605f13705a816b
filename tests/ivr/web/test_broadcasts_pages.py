"""The broadcast history and one broadcast's page, as each role sees them (real DB)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from domain.db import db
from domain.models import utcnow
from tests.factories import (
    make_bin,
    make_delivery,
    make_member,
    make_message,
    make_officer,
    make_web_user,
)
from tests.web_support import person, sign_in


def signed_in_as(app, role: str, bins=None):
    client = person(app)
    sign_in(client, make_web_user(db, role, bins=bins, language="en"))
    return client


@pytest.fixture
def network(app):
    """BINs 11 and 12, a member each, a member of both, and three broadcasts: to 11, to
    12, and to 11+12, each member reached (the shared broadcast sent most recently)."""
    bin11, bin12 = make_bin(db, code="11", name="BIN Centrum"), make_bin(db, code="12",
                                                                          name="BIN Heide")
    officer = make_officer(db, name="Inspecteur Peeters")
    ann = make_member(db, bins=[bin11], name="Ann Centrum", phone="+32470111111")
    bert = make_member(db, bins=[bin12], name="Bert Heide", phone="+32470222222")
    now = utcnow()
    only11 = make_message(db, bins=[bin11], officer_id=officer.id, status="completed",
                          confirmed_at=now - timedelta(hours=3))
    only12 = make_message(db, bins=[bin12], officer_id=officer.id, status="completed",
                          confirmed_at=now - timedelta(hours=2))
    shared = make_message(db, bins=[bin11, bin12], officer_id=officer.id, status="sending",
                          confirmed_at=now - timedelta(seconds=30))
    at = shared.confirmed_at
    make_delivery(db, shared, ann, "human", confirmed_at=at + timedelta(seconds=9), attempts=[
        {"status": "busy", "dialed_at": at + timedelta(seconds=1),
         "ended_at": at + timedelta(seconds=2)},
        {"status": "completed", "answered_by": "human", "duration_s": 41,
         "dialed_at": at + timedelta(seconds=5), "answered_at": at + timedelta(seconds=8)}])
    make_delivery(db, shared, bert, None, status="calling", attempts=[
        {"status": "ringing", "call_sid": "CAbert", "dialed_at": at + timedelta(seconds=1)}])
    for message in (only11, only12):
        member = ann if message is only11 else bert
        make_delivery(db, message, member, "machine", attempts=[
            {"status": "completed", "answered_by": "machine_end_beep", "duration_s": 30,
             "answered_at": message.confirmed_at + timedelta(seconds=6)}])
    return {"bins": (bin11, bin12), "messages": {"11": only11, "12": only12, "shared": shared},
            "members": {"ann": ann, "bert": bert}}


def links(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'href="/broadcasts/(\d+)"', html)]


def test_police_see_every_broadcast_newest_first_with_totals(app, network):
    m = network["messages"]
    html = signed_in_as(app, "dispatcher").get("/broadcasts").get_data(as_text=True)
    assert links(html) == [m["shared"].id, m["12"].id, m["11"].id]
    assert "Inspecteur Peeters" in html and "11, 12" in html
    assert "1 / 2" in html  # the shared broadcast: one of its two members reached so far
    assert "Urgent alert" in html and "calling members" in html and "finished" in html


def test_a_coordinator_sees_only_broadcasts_to_their_bins(app, network):
    m, (bin11, _) = network["messages"], network["bins"]
    html = signed_in_as(app, "coordinator", [bin11]).get("/broadcasts").get_data(as_text=True)
    assert links(html) == [m["shared"].id, m["11"].id]
    # Of the shared broadcast they are told only of their BIN and their member.
    row = html[html.index(f'/broadcasts/{m["shared"].id}"'):].split("</tr>")[0]
    assert "12" not in re.sub(r"<[^>]+>|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "", row)
    assert "1 / 1" in row


def test_the_page_shows_totals_and_every_attempt_as_stored(app, network):
    shared = network["messages"]["shared"]
    html = unescape(signed_in_as(app, "dispatcher").get(f"/broadcasts/{shared.id}")
                    .get_data(as_text=True))
    assert "1 of 2 reached" in html
    assert re.search(r'<progress id="progress-bar" max="2" value="1"', html)
    assert re.search(r'class="t-confirmed">1<', html) and re.search(r'class="t-pending">1<', html)
    assert re.search(r'class="t-calls">3<', html)
    ann_row = html[html.index("Ann Centrum"):].split("</tr>")[0]
    assert ann_row.count("<li>") == 2  # busy, then answered on the retry
    assert "0470 •• •• 11" in ann_row and "+32470111111" not in html
    assert "busy" in ann_row and "answered (a person)" in ann_row and "41 s" in ann_row
    bert_row = html[html.index("Bert Heide"):].split("</tr>")[0]
    assert "ringing" in bert_row and "calling" in bert_row
    assert "Inspecteur Peeters" in html


def test_a_coordinator_sees_only_their_own_members_of_a_shared_broadcast(app, network):
    shared, (bin11, _) = network["messages"]["shared"], network["bins"]
    html = unescape(signed_in_as(app, "coordinator", [bin11]).get(f"/broadcasts/{shared.id}")
                    .get_data(as_text=True))
    assert "Ann Centrum" in html and "Bert Heide" not in html
    assert "1 of 1 reached" in html and "0470 •• •• 22" not in html
    assert "Cancel this broadcast" not in html  # police only


def test_a_broadcast_only_to_another_bin_is_not_found(app, network):
    only12, (bin11, _) = network["messages"]["12"], network["bins"]
    client = signed_in_as(app, "coordinator", [bin11])
    for path in (f"/broadcasts/{only12.id}", f"/broadcasts/{only12.id}/live",
                 f"/broadcasts/{only12.id}?show=reached", "/broadcasts/999999"):
        assert client.get(path).status_code == 404, path


def test_the_curve_and_the_ideal_line_are_drawn_on_the_server(app, network):
    shared = network["messages"]["shared"]
    app.config["CARRIER_CPS"] = 1
    html = signed_in_as(app, "admin").get(f"/broadcasts/{shared.id}").get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    actual = re.search(r'<polyline class="actual"[^>]*points="([^"]+)"', svg).group(1)
    points = [tuple(map(float, p.split(","))) for p in actual.split()]
    assert len({y for _, y in points}) == 2  # rises once: Ann, answered 8 s after send
    ideal = re.search(r'<polyline class="ideal"[^>]*points="([^"]+)"', svg).group(1)
    assert len(ideal.split()) == 3  # from 0 to every member at 1 call/s, then flat
    assert "time since send (s)" in svg and "members reached" in svg
    assert "ideal: 1 calls per second" in svg


def test_the_live_part_polls_while_running_and_stops_when_done(app, network):
    m = network["messages"]
    client = signed_in_as(app, "dispatcher")
    running = client.get(f"/broadcasts/{m['shared'].id}/live").get_data(as_text=True)
    assert running.lstrip().startswith("<section") and "<html" not in running
    assert f'hx-get="/broadcasts/{m["shared"].id}/live"' in running
    assert 'hx-trigger="every 2s"' in running
    done = client.get(f"/broadcasts/{m['11'].id}/live").get_data(as_text=True)
    assert "hx-trigger" not in done and "1 of 1 reached" in done


def test_listen_back_is_a_signed_url_that_plays(app, network):
    shared = network["messages"]["shared"]
    client = signed_in_as(app, "dispatcher")
    html = unescape(client.get(f"/broadcasts/{shared.id}").get_data(as_text=True))
    src = re.search(r'<audio controls[^>]*src="([^"]+)"', html).group(1)
    assert src.startswith(f"/audio/messages/{shared.id}/{shared.audio_sha256[:16]}.wav?exp=")
    assert "&sig=" in src
    response = client.get(src)
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert response.get_data() == shared.audio_wav
    tampered = re.sub(r"sig=[^&]+", "sig=" + "A" * 43, src)
    assert client.get(tampered).status_code == 404


def test_the_member_table_is_paginated_and_filtered(app):
    bin_ = make_bin(db)
    message = make_message(db, bins=[bin_], status="completed")
    for i in range(60):
        member = make_member(db, bins=[bin_], name=f"Lid nummer {i:02d}")
        make_delivery(db, message, member, "human" if i % 3 else "no-answer",
                      confirmed_at=utcnow() if i % 2 else None,
                      attempts=[{"status": "completed" if i % 3 else "no-answer"}])
    client = signed_in_as(app, "dispatcher")
    first = client.get(f"/broadcasts/{message.id}").get_data(as_text=True)
    assert "Lid nummer 00" in first and "Lid nummer 49" in first
    assert "Lid nummer 50" not in first and "Page 1 of 2" in first
    second = client.get(f"/broadcasts/{message.id}?page=2").get_data(as_text=True)
    assert "Lid nummer 50" in second and "Lid nummer 49" not in second
    missed = client.get(f"/broadcasts/{message.id}?show=not-reached").get_data(as_text=True)
    names = re.findall(r"Lid nummer (\d\d)", missed)
    assert names == [f"{i:02d}" for i in range(0, 60, 3)]


def test_the_pages_speak_the_users_language(app, network):
    shared = network["messages"]["shared"]
    english = signed_in_as(app, "dispatcher").get(f"/broadcasts/{shared.id}")
    assert "Urgent alert" in english.get_data(as_text=True)  # words made per reader, not
    client = person(app)  # once per process
    sign_in(client, make_web_user(db, "dispatcher", language="nl"))
    html = unescape(client.get(f"/broadcasts/{shared.id}").get_data(as_text=True))
    assert "Dringend bericht" in html and "1 van de 2 bereikt" in html
    assert "tijd sinds verzending (s)" in html and "Deze uitzending annuleren" in html


def test_a_poll_after_the_session_ended_sends_the_page_to_the_sign_in(app, network):
    shared = network["messages"]["shared"]
    client = person(app)  # never signed in, or signed out since the page was loaded
    response = client.get(f"/broadcasts/{shared.id}/live", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.get_data() == b""
    assert response.headers["HX-Redirect"] == f"/login?next=/broadcasts/{shared.id}"
    plain = client.get(f"/broadcasts/{shared.id}/live")
    assert plain.status_code == 302 and "/login" in plain.headers["Location"]
