"""The member's own page shows each of their BINs' privacy statement, and a visit to it
is audited like a coordinator's look at the member."""

from __future__ import annotations

from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog
from tests.factories import make_bin, make_member, make_member_link
from tests.web_support import person


def test_my_page_shows_my_bins_privacy_statements_and_is_audited(app):
    centrum = make_bin(db, code="11", name="BIN Centrum",
                       privacy_statement="Centrum bewaart uw nummer.\nAlleen voor alarmen.")
    heide = make_bin(db, code="12", name="BIN Heide")  # no statement of its own: the generic
    make_bin(db, code="13", name="BIN Elders", privacy_statement="Elders bewaart niets.")
    member = make_member(db, bins=[centrum, heide], name="Privé Persoon")
    token = make_member_link(db, member)
    html = person(app).get(f"/me/{token}").get_data(as_text=True)
    statements = html.split('id="privacy"', 1)[1]
    assert "Centrum bewaart uw nummer.<br>Alleen voor alarmen." in statements
    assert statements.count('class="statement privacy-statement"') == 2
    assert "<h3>BIN Heide</h3>" in statements and "Elders bewaart niets." not in html
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "member.view")).one()
    assert (entry.actor, entry.subject) == ("member", str(member.id))
    assert entry.bins == f",{centrum.id},{heide.id},"
