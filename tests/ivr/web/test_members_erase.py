"""Erasing a member in the web app: asked first, own BINs only, no trace left, audited.

The pages' wording is Dutch from the catalogue; these tests look at structure (the form,
its error, the links) so they pass before the lead merges the translations."""

from __future__ import annotations

from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, Member
from tests.erasure_support import NAME, seed_person, traces
from tests.factories import make_bin, make_member, make_web_user
from tests.web_support import person, post_form, sign_in


def _coordinator(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins)))
    return client


def test_erase_asks_first_then_leaves_no_trace(app):
    centrum, heide = make_bin(db, code="11"), make_bin(db, code="12")
    seeded = seed_person(centrum, heide)
    client = _coordinator(app, centrum, heide)
    path = f"/members/{seeded.member.id}/erase"
    page = client.get(path).get_data(as_text=True)
    assert NAME in page and f'action="{path}"' in page and 'name="confirm"' in page
    assert f'href="{path}"' in client.get(f"/members/{seeded.member.id}/edit").get_data(
        as_text=True)  # the member's page links to it
    unticked = post_form(client, path, token_from=path)
    assert unticked.status_code == 200 and 'id="confirm-error"' in unticked.get_data(as_text=True)
    assert db.session.get(Member, seeded.member.id) is not None
    done = post_form(client, path, {"confirm": "y"}, token_from=path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/members")
    db.session.expire_all()
    assert traces() == []
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "member.erase")).one()
    assert entry.details["bins"] == sorted([centrum.id, heide.id])
    assert entry.bins == f",{min(centrum.id, heide.id)},{max(centrum.id, heide.id)},"
    assert client.get(path).status_code == 404


def test_another_bins_coordinator_can_neither_see_nor_erase(app):
    centrum, heide = make_bin(db, code="11"), make_bin(db, code="12")
    member = make_member(db, bins=[heide], name="Alleen Heide")
    client = _coordinator(app, centrum)
    path = f"/members/{member.id}/erase"
    assert client.get(path).status_code == 404
    assert client.get(f"/members/{member.id}/edit").status_code == 404
    assert post_form(client, path, {"confirm": "y"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Member, member.id) is not None
    assert not db.session.scalars(select(AuditLog).where(AuditLog.action == "member.erase")).all()


def test_a_member_also_in_another_bin_is_removed_not_erased(app):
    centrum, heide = make_bin(db, code="11"), make_bin(db, code="12")
    member = make_member(db, bins=[centrum, heide], name="In Twee")
    client = _coordinator(app, centrum)
    path = f"/members/{member.id}/erase"
    page = client.get(path).get_data(as_text=True)
    assert f'action="{path}"' not in page
    assert f'href="/members/{member.id}/remove"' in page
    assert post_form(client, path, {"confirm": "y"}, token_from=path).status_code == 403
    db.session.expire_all()
    assert [ms.bin_id for ms in db.session.get(Member, member.id).memberships] == [
        centrum.id, heide.id]


def test_views_of_member_data_are_audited_with_the_bin(app):
    centrum = make_bin(db, code="11")
    member = make_member(db, bins=[centrum], name="Bekeken Lid")
    client = _coordinator(app, centrum)
    client.get("/members?q=Bekeken")
    client.get(f"/members/{member.id}/edit")
    client.get("/members/export.csv")
    rows = db.session.execute(select(AuditLog.action, AuditLog.subject, AuditLog.bins).where(
        AuditLog.action.like("member.%")).order_by(AuditLog.id)).all()
    assert rows == [("member.list", None, f",{centrum.id},"),
                    ("member.view", str(member.id), f",{centrum.id},"),
                    ("member.export", "csv", f",{centrum.id},")]
    assert "Bekeken" not in str(db.session.scalars(select(AuditLog.details)).all())
