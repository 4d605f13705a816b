"""The police admin sees who viewed, exported and changed member data, per BIN."""

from __future__ import annotations

import re

from domain.db import db
from domain.models import audit
from tests.factories import make_bin, make_member, make_web_user
from tests.ivr.web.admin_support import page_text, signed_in
from tests.web_support import person, post_form, sign_in


def _rows(html: str) -> list[tuple[str, str]]:
    """(action, subject) of each row shown, top to bottom."""
    return re.findall(r'<td class="action"><code>([a-z_.]+)</code></td>\s*<td>([^<]*)</td>', html)


def test_member_data_filtered_by_bin(app):
    centrum, heide = make_bin(db, code="11"), make_bin(db, code="12")
    ann = make_member(db, bins=[centrum], name="Ann Centrum")
    bert = make_member(db, bins=[heide], name="Bert Heide")
    ann_id, bert_id = ann.id, bert.id
    coordinator = person(app)
    sign_in(coordinator, make_web_user(db, "coordinator", bins=[centrum, heide]))
    coordinator.get(f"/members/{ann_id}/edit")
    coordinator.get(f"/members/{bert_id}/edit")
    post_form(coordinator, f"/members/{bert_id}/erase", {"confirm": "y"})
    audit("cli", "bin.edit", "bin:12", bins=[heide.id])  # about BIN 12, not member data
    db.session.commit()
    admin, _ = signed_in(app)
    html = page_text(admin.get(f"/admin/audit?bin={heide.id}&member_data=y"))
    assert _rows(html) == [("member.erase", str(bert_id)), ("member.view", str(bert_id))]
    html = page_text(admin.get(f"/admin/audit?bin={centrum.id}"))
    assert _rows(html) == [("member.view", str(ann_id))]
    html = page_text(admin.get("/admin/audit?member_data=y"))
    assert [a for a, _ in _rows(html)] == ["member.erase", "member.view", "member.view"]
    assert f'<option value="{heide.id}">12 BIN' in html  # the BIN filter offers every BIN
